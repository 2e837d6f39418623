"""Approval tasks: thin, id-taking, idempotent. Periodic ones are listed in CELERY_BEAT_SCHEDULE."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Q
from django.utils import timezone

from lifecycle.models import Notification, NotificationStatus

logger = logging.getLogger(__name__)
MAX_ATTEMPTS = 5


@shared_task(name="lifecycle.tasks.deliver_notification")
def deliver_notification(notification_id: int) -> str:
    """Send one notification email. Claimed by compare-and-set, so a duplicate delivery sends nothing."""
    now = timezone.now()
    lease = now - timedelta(minutes=10)
    claimed = (
        Notification.objects.filter(pk=notification_id, attempts__lt=MAX_ATTEMPTS)
        .filter(
            Q(status=NotificationStatus.PENDING) | Q(status=NotificationStatus.SENDING, claimed_at__lt=lease)
        )
        .update(status=NotificationStatus.SENDING, claimed_at=now)
    )
    if not claimed:
        return "skipped"
    note = Notification.objects.get(pk=notification_id)
    try:
        EmailMessage(note.subject, note.body, settings.DEFAULT_FROM_EMAIL, [note.email]).send()
    except Exception as exc:  # the row keeps the error; the sweeper retries it
        logger.exception("notification %s failed", notification_id)
        attempts = note.attempts + 1
        status = NotificationStatus.FAILED if attempts >= MAX_ATTEMPTS else NotificationStatus.PENDING
        Notification.objects.filter(pk=notification_id).update(
            status=status, attempts=attempts, last_error=repr(exc)[:2000]
        )
        return "failed"
    Notification.objects.filter(pk=notification_id).update(
        status=NotificationStatus.SENT, sent_at=timezone.now(), attempts=note.attempts + 1
    )
    return "sent"


@shared_task(name="lifecycle.tasks.sweep_notifications_task")
def sweep_notifications_task() -> int:
    """Re-enqueue notifications left pending (a lost enqueue) or stuck sending past their lease."""
    cutoff = timezone.now() - timedelta(minutes=10)
    ids = list(
        Notification.objects.filter(attempts__lt=MAX_ATTEMPTS)
        .filter(
            Q(status=NotificationStatus.PENDING, created_at__lt=cutoff)
            | Q(status=NotificationStatus.SENDING, claimed_at__lt=cutoff)
        )
        .values_list("pk", flat=True)[:500]
    )
    for pk in ids:
        deliver_notification.delay(pk)
    return len(ids)


@shared_task(name="lifecycle.tasks.open_due_reviews_task")
def open_due_reviews_task() -> list[int]:
    """Open a periodic review request for every deployed version whose review fell due."""
    from lifecycle.approvals.reviews import open_due_reviews

    return open_due_reviews()


@shared_task(name="lifecycle.tasks.approvals_sweep_task")
def approvals_sweep_task() -> dict[str, Any]:
    """Flag expired waivers, mark requests whose material changed stale, remind about due findings."""
    from lifecycle.approvals.sweeps import run_sweeps

    return run_sweeps()
