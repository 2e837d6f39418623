"""The periodic approvals sweep: stale requests, expired waivers, findings falling due."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from governance.oversight.models import UNRESOLVED_STATUSES, Finding
from lifecycle.approvals.requests import check_request_digest
from lifecycle.approvals.waivers import SWEEP_ACTOR, flag_expired_waivers, remind_expiring_waivers
from lifecycle.models import ApprovalRequest, RequestStatus
from lifecycle.notifications import notify_finding_due


def mark_stale_requests() -> int:
    """Recompute each open request's digest under the object's lock; mark the changed ones stale."""
    ids = list(ApprovalRequest.objects.filter(status=RequestStatus.OPEN).values_list("pk", flat=True))
    return sum(check_request_digest(pk, actor=SWEEP_ACTOR) for pk in ids)


@transaction.atomic
def remind_finding(finding_id: int, today: dt.date) -> bool:
    """Remind the owner of one unresolved finding due soon; once per due date (idempotent)."""
    finding = (
        Finding.objects.select_for_update(of=("self",)).select_related("asset", "owner").get(pk=finding_id)
    )
    if finding.due_date is None or finding.status not in UNRESOLVED_STATUSES:
        return False
    if finding.due_notified_on == finding.due_date:
        return False
    Finding.objects.filter(pk=finding.pk).update(due_notified_on=finding.due_date)
    notify_finding_due(finding)
    return True


def remind_findings_due() -> int:
    today = timezone.now().date()
    horizon = today + dt.timedelta(days=settings.STEWARD_FINDING_REMINDER_DAYS)
    due = Finding.objects.filter(status__in=UNRESOLVED_STATUSES, due_date__lte=horizon).values_list(
        "pk", flat=True
    )
    return sum(remind_finding(pk, today) for pk in list(due))


def run_sweeps() -> dict[str, Any]:
    return {
        "stale_requests": mark_stale_requests(),
        "expired_waivers": flag_expired_waivers(),
        "expiring_waivers": remind_expiring_waivers(),
        "finding_reminders": remind_findings_due(),
    }
