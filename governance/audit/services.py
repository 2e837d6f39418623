"""Ledger services that are not appends: recording a verification run."""

from __future__ import annotations

from django.utils import timezone

from governance.audit.actors import Actor
from governance.audit.models import VerificationRun
from governance.audit.verification import ChainReport, verify_chain


def run_verification(*, actor: Actor) -> tuple[ChainReport, VerificationRun]:
    """Verify the whole chain and its checkpoints now and keep the outcome for the UI and API."""
    started = timezone.now()
    report = verify_chain()
    run = VerificationRun.objects.create(
        started_at=started,
        finished_at=timezone.now(),
        status=report.status,
        ok=report.ok,
        chain_id=report.chain_id or "",
        size=report.size,
        head=report.head or "",
        first_bad_seq=report.first_bad_seq,
        problem=report.problem,
        checkpoints=[c.__dict__ for c in report.checkpoints],
        triggered_by=actor.name,
    )
    return report, run
