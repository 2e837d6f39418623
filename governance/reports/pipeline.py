"""Producing one report: claim the row, gather, prove, render, sign, store, finish — exactly once.

Called by the thin Celery task. Transient failures (database or storage hiccups) give the row back
and let the task retry with backoff; anything else fails the row with a message for the requester
and leaves no file behind.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import uuid
from pathlib import Path
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import InterfaceError, OperationalError
from django.template.loader import render_to_string
from django.utils import timezone

import governance
from governance.audit import keys
from governance.audit.checkpoints import SignedCheckpoint, write_checkpoint
from governance.audit.jsonvalues import to_json_value
from governance.audit.verification import verify_chain
from governance.reports import jobs
from governance.reports.bundle import BUNDLE_NAME, CSV_NAME, EventsPart, TooManyEvents, build_bundle
from governance.reports.certificates import CertificateError, enrol_certificate, signing_certificate
from governance.reports.models import AuditReport
from governance.reports.rendering import EmbeddedFile, render_pdf
from governance.reports.scopes import ScopeUnavailable, events_in_scope, resolve
from governance.reports.sections import load_sections
from governance.reports.sections.base import sections_for
from governance.reports.signing import sign_pdf

logger = logging.getLogger(__name__)
TRANSIENT_ERRORS = (OperationalError, InterfaceError, OSError)
STATIC_ROOT = Path(settings.BASE_DIR) / "governance" / "static"
HEARTBEAT_SECONDS = 5.0


class ClaimLost(Exception):
    """Another worker took the row over (or it was finished): stop without writing anything."""


class ChainNotIntact(Exception):
    """The audit chain failed verification: a report must not vouch for it."""


class Progress:
    """Throttled heartbeats: progress for the UI and a renewed lease, at most every few seconds."""

    def __init__(self, claim: jobs.Claim) -> None:
        self.claim = claim
        self.last = 0.0
        self.expected_pages = 10

    def __call__(self, percent: int, note: str, *, force: bool = False) -> None:
        now = time.monotonic()
        # Beat well inside the lease, so a live worker never loses its claim between beats.
        interval = min(HEARTBEAT_SECONDS, settings.STEWARD_REPORT_LEASE_SECONDS / 3)
        if not force and now - self.last < interval:
            return
        self.last = now
        if not jobs.heartbeat(self.claim, progress=percent, note=note):
            raise ClaimLost()

    def weasyprint(self, step: str, page: int | None) -> None:
        if page is not None:
            share = min(page / max(self.expected_pages, 1), 1.0)
            self(35 + int(share * 45), f"Laying out page {page}")
        elif step.startswith("Creating PDF"):
            self(82, "Writing the PDF", force=True)


def storage_dir(report_id: uuid.UUID) -> str:
    return f"reports/{report_id}"


def run(report_id: str) -> str:
    """Produce the report if this call wins the claim; returns what happened, for the task's result."""
    claim = jobs.claim_report(report_id)
    if claim is None:
        return "not claimed (finished, held by another worker, or unknown)"
    stored: str | None = None
    try:
        stored, outcome = produce(claim, Progress(claim))
        if not jobs.finish_report(claim, outcome):
            raise ClaimLost()
    except ClaimLost:
        _delete(stored)
        return "claim lost to another worker"
    except TRANSIENT_ERRORS as exc:
        _delete(stored)
        jobs.release_report(claim, "Waiting to retry after a temporary error")
        logger.warning("report %s: transient failure, will retry: %s", report_id, exc)
        raise
    except BaseException as exc:
        _delete(stored)
        jobs.fail_report(claim, failure_message(exc))
        if not isinstance(exc, Exception):
            raise
        logger.exception("report %s failed", report_id)
        return "failed"
    _delete_other_files(claim.report_id, keep=stored)
    return "done"


def failure_message(exc: BaseException) -> str:
    if isinstance(exc, SoftTimeLimitExceeded):
        return (
            f"Rendering took longer than {settings.STEWARD_REPORT_SOFT_TIME_LIMIT} seconds and was stopped. "
            "Request a narrower scope or date range."
        )
    if isinstance(exc, ScopeUnavailable | TooManyEvents | CertificateError | ChainNotIntact):
        return str(exc)
    return f"Rendering failed ({type(exc).__name__}): {exc}"[:2000]


def produce(claim: jobs.Claim, progress: Progress) -> tuple[str, jobs.Outcome]:
    """Build, sign and store the PDF; returns its storage name and what the row records."""
    report = AuditReport.objects.select_related("requested_by").get(pk=claim.report_id)
    certificate = signing_certificate()
    enrolment = enrol_certificate(certificate)

    progress(5, "Verifying the audit chain", force=True)
    chain = verify_chain()
    if not chain.ok:
        raise ChainNotIntact(
            f"The audit chain failed verification ({chain.status}): {chain.problem} "
            "A report cannot vouch for it; an administrator must investigate first."
        )
    row = write_checkpoint()
    if row is None:  # unreachable: the enrolment event above means the ledger is not empty
        raise ChainNotIntact("The audit ledger is empty.")
    checkpoint = SignedCheckpoint(f"database #{row.pk}", json.loads(row.statement), row.signature)
    public_key = keys.load_public_key()
    if not checkpoint.signature_valid(public_key):
        raise ChainNotIntact("The new checkpoint's signature does not verify with the configured public key.")

    progress(15, "Gathering the report's facts", force=True)
    ctx = resolve(
        report,
        generated_at=timezone.now(),
        checkpoint_size=checkpoint.size,
        row_cap=settings.STEWARD_REPORT_TABLE_ROW_CAP,
    )
    ctx.cache.update(
        checkpoint=checkpoint.statement,
        checkpoint_signed=checkpoint.as_json(),
        checkpoint_key={
            "key_id": keys.key_id(public_key),
            "fingerprint": keys.fingerprint_display(public_key),
        },
        chain=chain.as_json(),
        certificate={
            "sha256": certificate.fingerprint,
            "subject": certificate.subject,
            "enrolment_seq": enrolment.seq,
            "enrolled_at": enrolment.body["time"],
        },
    )
    load_sections()
    sections = sections_for(report.scope)
    facts: dict[str, Any] = {}
    for section in sections:
        if section.key in ("events", "verification"):
            continue
        gathered = section.gather(ctx)
        if gathered is not None:
            facts[section.key] = to_json_value(gathered)

    def facts_for(events_part: EventsPart) -> dict[str, Any]:
        ctx.cache["events"] = {"total": events_part.total, "rows": events_part.rows}
        for key in ("events", "verification"):
            if key in {s.key for s in sections}:
                facts[key] = to_json_value(next(s for s in sections if s.key == key).gather(ctx))
        return facts

    progress(22, "Proving the events against the checkpoint", force=True)
    bundle = build_bundle(
        events=events_in_scope(ctx),
        checkpoint=checkpoint,
        checkpoint_public_key_pem=keys.public_key_pem(public_key),
        certificate=ctx.cache["certificate"] | {"pem": certificate.pem()},
        certificate_event=enrolment,
        header={
            "report": {
                "id": str(report.pk),
                "scope": report.scope,
                "title": report.title,
                "as_of": to_json_value(report.as_of),
                "requested_by": report.requested_by_name,
                "generated_at": to_json_value(ctx.generated_at),
                "steward_version": governance.__version__,
            },
            "chain_id": checkpoint.chain_id,
        },
        facts_for=facts_for,
        row_cap=ctx.row_cap,
        max_events=settings.STEWARD_REPORT_MAX_EVENTS,
    )

    progress(30, "Composing the document", force=True)
    shown = [s for s in sections if s.key in facts]
    html = render_to_string(
        "reports/pdf/report.html",
        {"facts": facts, "sections": shown, "bundle_sha256": bundle.sha256, "csv_sha256": bundle.csv_sha256},
    )
    rows = sum(len(v.get("rows", [])) for v in facts.values() if isinstance(v, dict))
    progress.expected_pages = 4 + len(shown) + rows // 28
    progress(35, "Laying out pages", force=True)
    rendered = render_pdf(
        html,
        static_root=STATIC_ROOT,
        attachments=[
            EmbeddedFile(
                BUNDLE_NAME,
                bundle.json_bytes,
                "Steward evidence bundle: facts, events, proofs, checkpoint",
                "Data",
            ),
            EmbeddedFile(CSV_NAME, bundle.csv_bytes, "Audit events in scope (CSV)", "Supplement"),
        ],
        moment=ctx.generated_at,
        on_progress=progress.weasyprint,
    )
    if rendered.refused_urls:
        logger.warning("report %s: the renderer refused %d URL(s)", report.pk, len(rendered.refused_urls))

    progress(88, "Signing", force=True)
    signed = sign_pdf(rendered.data, certificate, reason=f"Steward audit report {report.pk}")
    name = default_storage.save(f"{storage_dir(report.pk)}/{claim.token}.pdf", ContentFile(signed))
    progress(96, "Storing", force=True)
    return name, jobs.Outcome(
        file_name=name,
        sha256=hashlib.sha256(signed).hexdigest(),
        size_bytes=len(signed),
        page_count=rendered.pages,
        bundle_sha256=bundle.sha256,
        event_count=bundle.events.total,
        chain_id=checkpoint.chain_id,
        checkpoint_size=checkpoint.size,
        chain_head=checkpoint.head,
        signer_fingerprint=certificate.fingerprint,
    )


def _delete(name: str | None) -> None:
    if name:
        try:
            default_storage.delete(name)
        except OSError:  # best effort: the sweeper's next success removes leftovers too
            logger.warning("could not delete %s", name)


def _delete_other_files(report_id: uuid.UUID, *, keep: str | None) -> None:
    """Remove files of claims that lost (a killed worker's half-written PDF), keeping the winner's."""
    directory = storage_dir(report_id)
    try:
        _, files = default_storage.listdir(directory)
    except FileNotFoundError:
        return
    for file in files:
        name = f"{directory}/{file}"
        if name != keep:
            _delete(name)
