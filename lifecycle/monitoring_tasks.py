"""Monitoring tasks: thin wrappers taking ids, idempotent (a batch is evaluated once, under its row lock)."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.conf import settings

from lifecycle import monitoring


@shared_task(name="lifecycle.monitoring_tasks.evaluate_observation_batch")
def evaluate_observation_batch(batch_id: int) -> int:
    """Act on one stored batch's warnings and breaches (findings, incidents, suspensions); safe to repeat."""
    evaluation = monitoring.evaluate_batch(batch_id)
    return 0 if evaluation is None else len(evaluation.result.outcomes)


@shared_task(name="lifecycle.monitoring_tasks.evaluate_pending_batches")
def evaluate_pending_batches() -> int:
    """Periodic: re-queue batches whose evaluation task was lost (a worker died, a broker hiccup)."""
    pending = monitoring.pending_batches(
        dt.timedelta(seconds=settings.STEWARD_MONITORING_EVALUATION_GRACE_SECONDS)
    )
    for batch_id in pending:
        evaluate_observation_batch.delay(batch_id)
    return len(pending)
