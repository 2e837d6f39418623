"""Periodic ledger tasks: thin wrappers that take no state and are safe to run again at any time."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task

from governance.audit import checkpoints
from governance.audit.actors import Actor
from governance.audit.services import run_verification

logger = logging.getLogger(__name__)


@shared_task(name="governance.audit.tasks.write_checkpoint_task")
def write_checkpoint_task() -> int | None:
    """Sign the current head; idempotent (an unmoved head returns the existing checkpoint)."""
    checkpoint = checkpoints.write_checkpoint()
    return checkpoint.size if checkpoint is not None else None


@shared_task(name="governance.audit.tasks.verify_chain_task")
def verify_chain_task() -> dict[str, Any]:
    """Verify the whole chain and its checkpoints and keep the outcome (read-only on the ledger)."""
    report, run = run_verification(actor=Actor.system("verify_chain_task"))
    if not report.ok:
        logger.error(
            "audit chain verification failed: %s at seq %s: %s",
            report.status,
            report.first_bad_seq,
            report.problem,
        )
    return {"run": run.pk, "ok": report.ok, "status": report.status, "size": report.size}
