"""API plumbing tasks."""

from celery import shared_task

from governance.api.idempotency import purge_expired


@shared_task(ignore_result=True)
def purge_idempotency_keys() -> int:
    """Beat: forget stored responses of Idempotency-Keys older than STEWARD_IDEMPOTENCY_TTL_HOURS."""
    return purge_expired()
