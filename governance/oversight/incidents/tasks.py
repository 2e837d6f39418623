"""Incident deadline tasks: thin wrappers taking ids, safe to run again at any time."""

from __future__ import annotations

from celery import shared_task

from governance.oversight.incidents import reminders


@shared_task(name="governance.oversight.incidents.tasks.schedule_deadline_reminders_task")
def schedule_deadline_reminders_task() -> int:
    """Periodic: write the reminders now due for unreported incidents (idempotent); sends follow on commit."""
    return len(reminders.schedule_deadline_reminders())


@shared_task(
    name="governance.oversight.incidents.tasks.send_incident_reminder",
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def send_incident_reminder(reminder_id: int) -> bool:
    """Email one deadline reminder, once (the row is claimed first); retried when the mail server fails."""
    return reminders.send_reminder(reminder_id)
