"""Periodic review: deployed versions are re-approved (reaffirmed) or suspended when their date comes."""

from __future__ import annotations

import calendar
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from governance.audit.actors import Actor
from governance.inventory.models import AssetVersion
from lifecycle.approvals.queries import open_request
from lifecycle.models import Purpose
from lifecycle.stages import VersionStage

REVIEW_ACTOR = Actor.system("periodic_review")


def add_months(moment: datetime, months: int) -> datetime:
    """`moment` plus whole calendar months, clamped to the month's last day (31 Jan + 1 → 28/29 Feb)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def open_review(version_id: int, *, actor: Actor = REVIEW_ACTOR) -> int | None:
    """Open the review request of one due version; idempotent (None when not due or already open)."""
    from lifecycle.approvals.requests import open_approval_request

    try:
        with transaction.atomic():
            version = AssetVersion.objects.select_for_update().get(pk=version_id)
            version.asset = version.asset.__class__.objects.get(pk=version.asset_id)
            due = version.next_review_at
            if version.stage != VersionStage.DEPLOYED or due is None or due > timezone.now():
                return None
            if open_request(version) is not None:
                return None
            return open_approval_request(version, Purpose.REVIEW, actor=actor, due_at=due).pk
    except IntegrityError:  # another sweeper opened it first
        return None


def open_due_reviews() -> list[int]:
    """Open review requests for every deployed version whose review fell due; returns the request ids."""
    due = AssetVersion.objects.filter(
        stage=VersionStage.DEPLOYED, next_review_at__lte=timezone.now()
    ).values_list("pk", flat=True)
    opened = [open_review(pk) for pk in due]
    return [pk for pk in opened if pk is not None]


@transaction.atomic
def reschedule_review(version: AssetVersion, *, actor: Actor, due_at: datetime, reason: str) -> AssetVersion:
    """Bring a deployed version's periodic review forward (or move it) — e.g. after an incident.

    Approvers outside the owning team only; a reason is required. A date that has passed makes the
    review due at once: the next sweep opens its request.
    """
    from django.core.exceptions import PermissionDenied, ValidationError

    from governance.accounts.roles import Role
    from governance.audit.event_types import AuditAction
    from governance.audit.ledger import record_event

    locked = AssetVersion.objects.select_for_update().get(pk=version.pk)
    locked.asset = version.asset.__class__.objects.get(pk=locked.asset_id)
    user = actor.user
    if actor.is_integration or user is None or not user.has_role(Role.APPROVER):
        raise PermissionDenied("Only approvers may reschedule a periodic review.")
    if locked.asset.team_id in user.team_ids:
        raise PermissionDenied("Approvers of the owning team may not reschedule its reviews.")
    if locked.stage != VersionStage.DEPLOYED:
        raise ValidationError({"due_at": "Only deployed versions have periodic reviews."})
    if not reason.strip():
        raise ValidationError({"reason": "Say why the review moves."})
    old = locked.next_review_at
    AssetVersion.objects.filter(pk=locked.pk).update(next_review_at=due_at)
    locked.next_review_at = due_at
    record_event(
        AuditAction.REVIEW_RESCHEDULED,
        actor=actor,
        obj=locked,
        payload={"old": {"next_review_at": old}, "new": {"next_review_at": due_at}, "reason": reason.strip()},
    )
    return locked
