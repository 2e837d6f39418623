"""The rendering job's state machine on the AuditReport row: claim, heartbeat, finish, fail, release.

Every write after the claim is a compare-and-set on (id, claim_token, status=rendering), so a task
that lost its claim — its lease expired and another worker took over, or the row was finished —
changes nothing. Together with claim-specific file names this makes a retried, duplicated or
resurrected task unable to produce a second report: only the claim that marks the row done has its
file kept, and the `report.generated` event is written in that same transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from governance.audit.actors import Actor
from governance.audit.event_types import AuditAction
from governance.audit.ledger import record_event
from governance.reports.models import AuditReport, ReportStatus

WORKER_ACTOR = Actor.system("report-worker")


@dataclass(frozen=True)
class Claim:
    """One worker's hold on one report row, valid while its token is on the row."""

    report_id: uuid.UUID
    token: uuid.UUID
    attempt: int

    def rows(self) -> Any:
        return AuditReport.objects.filter(
            pk=self.report_id, claim_token=self.token, status=ReportStatus.RENDERING
        )


def lease() -> dt.timedelta:
    return dt.timedelta(seconds=settings.STEWARD_REPORT_LEASE_SECONDS)


def claimable() -> Q:
    """Rows a worker may take: queued, or rendering under a lease that has run out (its worker died)."""
    return Q(status=ReportStatus.QUEUED) | Q(
        status=ReportStatus.RENDERING, lease_expires_at__lt=timezone.now()
    )


def claim_report(report_id: uuid.UUID | str) -> Claim | None:
    """Take the row by compare-and-set; None when it is finished, held by a live worker, or gone.

    A row whose attempts are used up is failed instead of claimed, so a report that keeps killing
    its worker (hard time limit, out of memory) stops being retried.
    """
    token = uuid.uuid4()
    now = timezone.now()
    taken = AuditReport.objects.filter(
        claimable(), pk=report_id, attempts__lt=settings.STEWARD_REPORT_MAX_ATTEMPTS
    ).update(
        status=ReportStatus.RENDERING,
        claim_token=token,
        attempts=F("attempts") + 1,
        lease_expires_at=now + lease(),
        started_at=now,
        progress=1,
        progress_note="Claimed by a worker",
        error="",
    )
    if taken:
        attempt = AuditReport.objects.filter(pk=report_id).values_list("attempts", flat=True).get()
        return Claim(uuid.UUID(str(report_id)), token, attempt)
    spent = (
        AuditReport.objects.filter(
            claimable(), pk=report_id, attempts__gte=settings.STEWARD_REPORT_MAX_ATTEMPTS
        )
        .values("claim_token")
        .first()
    )
    if spent is not None:
        give_up(report_id, spent["claim_token"])
    return None


def give_up(report_id: uuid.UUID | str, token: uuid.UUID | None) -> None:
    """Fail a row whose attempts are spent (each ended without finishing: worker lost or time limit)."""
    message = (
        f"Rendering did not finish after {settings.STEWARD_REPORT_MAX_ATTEMPTS} attempts: the worker "
        "was lost or hit its time limit each time. Try a narrower scope, or ask an administrator to "
        "look at the worker logs."
    )
    with transaction.atomic():
        done = AuditReport.objects.filter(claimable(), pk=report_id, claim_token=token).update(
            status=ReportStatus.FAILED,
            error=message,
            finished_at=timezone.now(),
            claim_token=None,
            lease_expires_at=None,
            progress_note="Failed",
        )
        if done:
            report = AuditReport.objects.get(pk=report_id)
            record_event(
                AuditAction.REPORT_FAILED, actor=WORKER_ACTOR, obj=report, payload={"error": message}
            )


def heartbeat(claim: Claim, *, progress: int, note: str) -> bool:
    """Record progress and extend the lease; False when the claim was lost (the caller should stop)."""
    return bool(
        claim.rows().update(
            progress=max(1, min(progress, 99)),
            progress_note=note[:200],
            lease_expires_at=timezone.now() + lease(),
        )
    )


@dataclass(frozen=True)
class Outcome:
    file_name: str
    sha256: str
    size_bytes: int
    page_count: int
    bundle_sha256: str
    event_count: int
    chain_id: str
    checkpoint_size: int
    chain_head: str
    signer_fingerprint: str


def finish_report(claim: Claim, outcome: Outcome) -> bool:
    """Mark the row done and write `report.generated` (with the PDF's sha256) in one transaction.

    Returns False, writing nothing, when the claim was lost: the caller then deletes its file.
    """
    with transaction.atomic():
        done = claim.rows().update(
            status=ReportStatus.DONE,
            progress=100,
            progress_note="Done",
            finished_at=timezone.now(),
            lease_expires_at=None,
            file_name=outcome.file_name,
            sha256=outcome.sha256,
            size_bytes=outcome.size_bytes,
            page_count=outcome.page_count,
            bundle_sha256=outcome.bundle_sha256,
            event_count=outcome.event_count,
            chain_id=outcome.chain_id,
            checkpoint_size=outcome.checkpoint_size,
            chain_head=outcome.chain_head,
            signer_fingerprint=outcome.signer_fingerprint,
        )
        if not done:
            return False
        report = AuditReport.objects.get(pk=claim.report_id)
        record_event(
            AuditAction.REPORT_GENERATED,
            actor=WORKER_ACTOR,
            obj=report,
            payload={
                "sha256": outcome.sha256,
                "size": outcome.size_bytes,
                "pages": outcome.page_count,
                "bundle_sha256": outcome.bundle_sha256,
                "events": outcome.event_count,
                "checkpoint_size": outcome.checkpoint_size,
                "chain_head": outcome.chain_head,
                "signer_certificate_sha256": outcome.signer_fingerprint,
                "attempt": claim.attempt,
            },
        )
    return True


def fail_report(claim: Claim, message: str) -> bool:
    """Mark the row failed with a message for the requester, and write `report.failed`."""
    with transaction.atomic():
        done = claim.rows().update(
            status=ReportStatus.FAILED,
            error=message[:4000] or "Rendering failed.",
            finished_at=timezone.now(),
            lease_expires_at=None,
            progress_note="Failed",
        )
        if not done:
            return False
        report = AuditReport.objects.get(pk=claim.report_id)
        record_event(
            AuditAction.REPORT_FAILED, actor=WORKER_ACTOR, obj=report, payload={"error": message[:4000]}
        )
    return True


def release_report(claim: Claim, note: str) -> bool:
    """Give the row back to the queue after a transient failure, so the retry can claim it at once."""
    return bool(
        claim.rows().update(
            status=ReportStatus.QUEUED,
            claim_token=None,
            lease_expires_at=None,
            progress=0,
            progress_note=note[:200],
        )
    )


def stale_report_ids() -> list[uuid.UUID]:
    """Rows no live worker holds: queued but not (re-)enqueued for a lease's time (the message may be
    lost), or rendering under an expired lease (the worker died). Marks them re-enqueued now."""
    now = timezone.now()
    stale = Q(status=ReportStatus.QUEUED, enqueued_at__lt=now - lease()) | Q(
        status=ReportStatus.RENDERING, lease_expires_at__lt=now
    )
    ids = list(AuditReport.objects.filter(stale).values_list("pk", flat=True)[:500])
    AuditReport.objects.filter(pk__in=ids).update(enqueued_at=now)
    return ids
