"""Bias-metric tasks: thin, take ids, idempotent (the service claims the job row by compare-and-set)."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="governance.bias_reviews.tasks.compute_bias_metrics", acks_late=True)
def compute_bias_metrics(job_id: int) -> None:
    """Compute and record the metrics of predictions file `job_id`, then purge it when due."""
    from governance.bias_reviews.predictions import run_computation

    run_computation(job_id)


@shared_task(name="governance.bias_reviews.tasks.sweep_predictions_task")
def sweep_predictions_task() -> dict[str, int]:
    """Purge predictions files past their retention; re-enqueue computations whose worker vanished."""
    from governance.bias_reviews.predictions import sweep

    return sweep()
