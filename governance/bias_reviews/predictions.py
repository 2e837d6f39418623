"""Predictions files: upload, the computation job, and the purge (EU AI Act Art. 10(5)).

upload_predictions() checks the file (size, type by content, required columns in its header) before
storing it, writes a job row and enqueues the task on commit. run_computation() is the task's body:
it claims the row by compare-and-set, computes outside any transaction, then records the results
(or the error, keeping earlier results) and purges the file once its retention has passed.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from governance.audit.actors import Actor
from governance.audit.event_types import AuditAction
from governance.audit.ledger import record_event
from governance.bias_reviews.errors import BiasReviewConflict
from governance.bias_reviews.fairness import Columns, PredictionsError, compute_from_file, read_header
from governance.bias_reviews.fairness import check_header as check_columns
from governance.bias_reviews.models import BiasReview, ComputationStatus, MetricsSource, PredictionsFile
from governance.bias_reviews.services import (
    check_open,
    check_writable,
    lock_review,
    require_reviewer,
    store_metrics,
)
from governance.evidence.inspection import inspect_upload, safe_display_name
from governance.inventory.errors import FrozenError

logger = logging.getLogger(__name__)
SYSTEM = Actor.system("bias-metrics")
PREDICTIONS_TYPES = ("text/csv", "text/plain", "application/gzip")


def _columns(review: BiasReview, data: dict[str, Any]) -> Columns:
    groups = data.get("groups") or review.protected_attributes
    if isinstance(groups, str):
        groups = [g.strip() for g in groups.split(",") if g.strip()]
    unknown = [g for g in groups if g not in review.protected_attributes]
    if unknown:
        raise ValidationError(
            {
                "groups": f"Not protected attributes of this review: {', '.join(unknown)}. "
                f"Group columns are named after the attributes: {', '.join(review.protected_attributes)}."
            }
        )
    names = {
        "y_true": (data.get("y_true") or "y_true").strip(),
        "y_pred": (data.get("y_pred") or "y_pred").strip(),
    }
    score = (data.get("score") or "").strip() or None
    return Columns(tuple(groups), names["y_true"], names["y_pred"], score)


def upload_predictions(
    *, actor: Actor, review: BiasReview, file: Any, columns: dict[str, Any] | None = None
) -> PredictionsFile:
    """Store a predictions file for `review` and queue its computation.

    Refused before anything is stored (ValidationError on `file`) when the file is empty, too large,
    not CSV or gzip-compressed CSV by its content, or lacks a required column.
    """
    require_reviewer(actor, review.version)
    check_writable(review.version)
    check_open(review)
    chosen = _columns(review, columns or {})
    facts = inspect_upload(
        file, max_bytes=settings.STEWARD_PREDICTIONS_MAX_BYTES, allowed_types=PREDICTIONS_TYPES
    )
    try:
        check_columns(read_header(file), chosen)
    except PredictionsError as exc:
        raise ValidationError({"file": str(exc)}) from exc
    finally:
        file.seek(0)
    job = PredictionsFile(
        review=review,
        original_name=safe_display_name(getattr(file, "name", "") or "predictions.csv"),
        sha256=facts.sha256,
        size=facts.size,
        content_type=facts.content_type,
        columns=chosen.as_json(),
        uploaded_by=actor.user or review.asset.owner,
    )
    job.file.save(secrets.token_hex(16), file, save=False)
    try:
        return _commit_upload(actor, job)
    except BaseException:
        job.file.storage.delete(str(job.file.name))
        raise


@transaction.atomic
def _commit_upload(actor: Actor, job: PredictionsFile) -> PredictionsFile:
    review = lock_review(job.review)
    require_reviewer(actor, review.version)
    check_writable(review.version)
    check_open(review)
    job.save(force_insert=True)
    record_event(
        AuditAction.BIAS_PREDICTIONS_UPLOADED,
        actor=actor,
        obj=review,
        payload={
            "predictions": job.pk,
            "sha256": job.sha256,
            "size": job.size,
            "columns": job.columns,
            "original_name": job.original_name,
        },
    )
    enqueue_computation(job.pk)
    return job


def enqueue_computation(job_id: int) -> None:
    from governance.bias_reviews.tasks import compute_bias_metrics

    transaction.on_commit(lambda: compute_bias_metrics.delay(job_id))


def _claim(job_id: int) -> bool:
    now = timezone.now()
    stale = now - timedelta(seconds=settings.STEWARD_PREDICTIONS_LEASE_SECONDS)
    return bool(
        PredictionsFile.objects.filter(pk=job_id)
        .filter(
            Q(status=ComputationStatus.QUEUED) | Q(status=ComputationStatus.RUNNING, claimed_at__lt=stale)
        )
        .update(status=ComputationStatus.RUNNING, claimed_at=now)
    )


def run_computation(job_id: int) -> None:
    """Compute a claimed job's metrics and record them; idempotent (a finished job is left alone)."""
    if not _claim(job_id):
        return
    job = PredictionsFile.objects.select_related("review").get(pk=job_id)
    try:
        with job.file.open("rb") as handle:
            rows, attributes = compute_from_file(handle, Columns.from_json(job.columns))
    except PredictionsError as exc:
        _fail(job, str(exc))
    except Exception:
        logger.exception("bias metrics computation %s failed", job_id)
        _fail(
            job,
            "The computation failed unexpectedly. Upload the file again; "
            "if it fails again, tell an administrator.",
        )
    else:
        _succeed(job, rows, attributes)
    purge_if_due(job_id)


@transaction.atomic
def _succeed(job: PredictionsFile, rows: int, attributes: list[Any]) -> None:
    review = lock_review(job.review)
    job = PredictionsFile.objects.select_for_update().get(pk=job.pk)
    if job.status != ComputationStatus.RUNNING:
        return
    try:
        check_open(review)
        check_writable(review.version)
    except (BiasReviewConflict, FrozenError) as exc:  # signed off or frozen meanwhile: leave the review be
        _finish(job, ComputationStatus.FAILED, f"Not recorded: {getattr(exc, 'message', exc)}")
        return
    job.row_count = rows
    _finish(job, ComputationStatus.SUCCEEDED, "")
    store_metrics(review, attributes, source=MetricsSource.COMPUTED, actor=SYSTEM, predictions=job)


@transaction.atomic
def _fail(job: PredictionsFile, message: str) -> None:
    review = lock_review(job.review)
    job = PredictionsFile.objects.select_for_update().get(pk=job.pk)
    if job.status != ComputationStatus.RUNNING:
        return
    _finish(job, ComputationStatus.FAILED, message)
    record_event(
        AuditAction.BIAS_COMPUTATION_FAILED,
        actor=SYSTEM,
        obj=review,
        payload={
            "predictions": job.pk,
            "sha256": job.sha256,
            "error": message,
            "earlier_results_kept": bool(review.metrics_source),
        },
    )


def _finish(job: PredictionsFile, status: str, error: str) -> None:
    now = timezone.now()
    job.status, job.error, job.finished_at = status, error[:2000], now
    job.purge_after = now + timedelta(hours=settings.STEWARD_PREDICTIONS_RETENTION_HOURS)
    job.save(update_fields=["status", "error", "finished_at", "purge_after", "row_count"])


def purge_if_due(job_id: int, *, now: Any = None) -> bool:
    """Delete a finished job's file once its retention has passed; the row, hash and results stay.

    Audit: `bias_review.predictions_purged`. Returns whether this call purged it.
    """
    now = now or timezone.now()
    with transaction.atomic():
        job = (
            PredictionsFile.objects.select_for_update()
            .filter(pk=job_id, purged_at__isnull=True, purge_after__lte=now)
            .exclude(status__in=[ComputationStatus.QUEUED, ComputationStatus.RUNNING])
            .select_related("review")
            .first()
        )
        if job is None:
            return False
        name = str(job.file.name)
        job.file = ""
        job.purged_at = now
        job.save(update_fields=["file", "purged_at"])
        record_event(
            AuditAction.BIAS_PREDICTIONS_PURGED,
            actor=SYSTEM,
            obj=job.review,
            payload={
                "predictions": job.pk,
                "sha256": job.sha256,
                "size": job.size,
                "status": job.status,
                "retention_hours": settings.STEWARD_PREDICTIONS_RETENTION_HOURS,
            },
        )
        # Deleting the bytes is the last step and happens only if the purge row commits.
        transaction.on_commit(lambda: PredictionsFile._meta.get_field("file").storage.delete(name))
    return True


def sweep(*, now: Any = None) -> dict[str, int]:
    """Periodic: purge files past retention and re-enqueue computations whose lease expired."""
    now = now or timezone.now()
    due = PredictionsFile.objects.filter(purged_at__isnull=True, purge_after__lte=now).exclude(
        status__in=[ComputationStatus.QUEUED, ComputationStatus.RUNNING]
    )
    purged = sum(purge_if_due(pk, now=now) for pk in due.values_list("pk", flat=True))
    stale = now - timedelta(seconds=settings.STEWARD_PREDICTIONS_LEASE_SECONDS)
    waiting = PredictionsFile.objects.filter(
        Q(status=ComputationStatus.QUEUED, uploaded_at__lt=stale)
        | Q(status=ComputationStatus.RUNNING, claimed_at__lt=stale)
    ).values_list("pk", flat=True)
    requeued = 0
    for pk in waiting:
        with transaction.atomic():
            enqueue_computation(pk)
        requeued += 1
    return {"purged": purged, "requeued": requeued}
