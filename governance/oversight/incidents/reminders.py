"""Deadline reminders: a periodic sweep writes reminder rows, a task per row sends the email.

The sweep is idempotent (a reminder is unique per incident, threshold and deadline) and enqueues the
sends on commit; a send claims its row with a compare-and-set update, so a redelivered task does
not email twice, and gives the claim back if the mail server fails, so the retry can send it.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from governance.accounts.models import User
from governance.accounts.roles import Role
from governance.oversight.incidents.deadlines import countdown, reminder_due, reminder_hours
from governance.oversight.models.incidents import Incident, IncidentReminder, IncidentStatus

logger = logging.getLogger(__name__)


def schedule_deadline_reminders(now: dt.datetime | None = None) -> list[int]:
    """Write the reminder that is due for each unreported incident; return the new reminders' ids.

    Enqueues one send task per new reminder after commit.
    """
    from governance.oversight.incidents.tasks import send_incident_reminder

    now = now or timezone.now()
    hours = reminder_hours()
    if not hours:
        return []
    horizon = now + dt.timedelta(hours=max(hours))
    pending = (
        Incident.objects.report_pending()
        .exclude(status=IncidentStatus.CLOSED)
        .filter(report_due_at__lte=horizon)
        .only("pk", "report_due_at")
    )
    created: list[int] = []
    with transaction.atomic():
        for incident in pending:
            due = incident.report_due_at
            if due is None:  # excluded by report_pending(); narrows the type
                continue
            point = reminder_due(due, now, hours)
            if point is None:
                continue
            reminder, new = IncidentReminder.objects.get_or_create(
                incident=incident, hours_before=point, due_at=due
            )
            if new:
                created.append(reminder.pk)
        for reminder_id in created:
            transaction.on_commit(partial(send_incident_reminder.delay, reminder_id))
    return created


def recipients_for(incident: Incident) -> list[str]:
    """Who hears about a deadline: the asset's owner, whoever opened the incident, compliance officers."""
    users = User.objects.filter(
        Q(pk=incident.asset.owner_id) | Q(pk=incident.opened_by_id) | Q(role_grants__role=Role.COMPLIANCE),
        is_active=True,
    ).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def _message(incident: Incident, reminder: IncidentReminder, now: dt.datetime, to: list[str]) -> EmailMessage:
    left = countdown(reminder.due_at, now)
    url = f"{settings.STEWARD_BASE_URL}{incident.get_absolute_url()}"
    subject = f"[Steward] {incident.reference} report {left.text}: {incident.title}"
    body = "\n".join(
        [
            f"The report on incident {incident.reference} ({incident.kind.name}) is {left.text}.",
            "",
            f"Asset: {incident.asset.name}"
            + (f", version {incident.version.label}" if incident.version else ""),
            f"Detected: {incident.detected_at:%Y-%m-%d %H:%M} UTC",
            f"Report deadline: {reminder.due_at:%Y-%m-%d %H:%M} UTC"
            + (f" ({incident.kind.legal_basis})" if incident.kind.legal_basis else ""),
            "",
            f"Record the report sent, with its evidence, at {url}",
        ]
    )
    return EmailMessage(subject=subject[:250], body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=to)


def send_reminder(reminder_id: int, now: dt.datetime | None = None) -> bool:
    """Send one reminder's email once; False if it was already sent, is moot, or has nobody to tell."""
    now = now or timezone.now()
    claimed = IncidentReminder.objects.filter(pk=reminder_id, sent_at__isnull=True).update(sent_at=now)
    if not claimed:
        return False
    reminder = IncidentReminder.objects.select_related(
        "incident__asset", "incident__kind", "incident__version"
    ).get(pk=reminder_id)
    incident = reminder.incident
    # Reported or reclassified since the sweep: the reminder no longer applies.
    if incident.reported_at is not None or incident.report_due_at != reminder.due_at:
        return False
    to = recipients_for(incident)
    if not to:
        logger.warning("incident %s: nobody with an email address to remind", incident.pk)
        return False
    try:
        mailers.default.send_messages([_message(incident, reminder, now, to)])
    except Exception:
        IncidentReminder.objects.filter(pk=reminder_id).update(sent_at=None)
        raise
    IncidentReminder.objects.filter(pk=reminder_id).update(recipients=to)
    return True
