"""“Waiting for me”: what each person should act on, as querysets (one query per list, counts cheap).

Requests I can decide (role, separation of duties, not yet signed), versions I can validate, my
items sent back, findings due, overdue reviews. The navigation shows the total.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from governance.accounts.models import User
from governance.accounts.roles import Role
from governance.inventory.models import Asset, AssetVersion
from governance.oversight.models import UNRESOLVED_STATUSES, Finding
from lifecycle.models import ApprovalRequest, Decision, PolicyRule, RequestStatus, StageTransition
from lifecycle.queries import visible_assets, visible_versions
from lifecycle.stages import AssetStage, VersionStage


def requests_to_decide(user: User) -> QuerySet[ApprovalRequest]:
    """Open requests `user` may sign now: holds the rule's role, passes separation of duties, unsigned."""
    if not user.is_active or not user.role_set:
        return ApprovalRequest.objects.none()
    submitter = (
        StageTransition.objects.filter(version=OuterRef("version"), target=VersionStage.SUBMITTED)
        .order_by("-at", "-id")
        .values("actor_user_id")[:1]
    )
    role_ok = PolicyRule.objects.filter(
        policy=OuterRef("policy"), purpose=OuterRef("purpose"), required_role__in=list(user.role_set)
    )
    signed = Decision.objects.filter(request=OuterRef("pk"), approver_id=user.pk)
    return (
        ApprovalRequest.objects.filter(status=RequestStatus.OPEN, asset__in=visible_assets(user))
        .annotate(submitter_id=Subquery(submitter), role_ok=Exists(role_ok), signed=Exists(signed))
        .filter(role_ok=True, signed=False)
        .exclude(asset__team_id__in=user.team_ids)
        .exclude(asset__owner_id=user.pk)
        .exclude(version__validator_id=user.pk)
        .exclude(submitter_id=user.pk)
        .exclude(version__isnull=True, asset__created_by_id=user.pk)
        .select_related("asset", "version", "policy")
        .order_by("opened_at", "pk")
    )


def versions_to_validate(user: User) -> QuerySet[AssetVersion]:
    if not user.has_role(Role.VALIDATOR):
        return AssetVersion.objects.none()
    return (
        visible_versions(user)
        .filter(Q(stage=VersionStage.SUBMITTED) | Q(stage=VersionStage.IN_VALIDATION, validator_id=user.pk))
        .exclude(asset__team_id__in=user.team_ids)
        .select_related("asset")
        .order_by("stage_changed_at", "pk")
    )


def sent_back_to_me(user: User) -> QuerySet[AssetVersion]:
    """Versions of my team's (or my own) assets that were sent back or had changes requested."""
    if not user.has_role(Role.OWNER):
        return AssetVersion.objects.none()
    mine = Q(asset__team_id__in=user.team_ids) | Q(asset__owner_id=user.pk)
    return (
        AssetVersion.objects.filter(mine, stage=VersionStage.CHANGES_REQUESTED)
        .select_related("asset")
        .order_by("-stage_changed_at", "-pk")
    )


def proposals_sent_back(user: User) -> QuerySet[Asset]:
    """My proposals with no open request whose last request was sent back or went stale."""
    if not user.has_role(Role.OWNER):
        return Asset.objects.none()
    last = ApprovalRequest.objects.filter(asset=OuterRef("pk"), version__isnull=True).order_by(
        "-opened_at", "-pk"
    )
    return (
        Asset.objects.filter(Q(team_id__in=user.team_ids) | Q(owner_id=user.pk), stage=AssetStage.PROPOSED)
        .annotate(last_status=Subquery(last.values("status")[:1]))
        .filter(
            Q(last_status__in=[RequestStatus.SENT_BACK, RequestStatus.STALE]) | Q(last_status__isnull=True)
        )
        .order_by("name")
    )


def findings_due(user: User, today: dt.date | None = None) -> QuerySet[Finding]:
    """Unresolved findings I own (or on my own assets) due within the reminder window or overdue."""
    today = today or timezone.now().date()
    horizon = today + dt.timedelta(days=settings.STEWARD_FINDING_REMINDER_DAYS)
    return (
        Finding.objects.filter(Q(owner_id=user.pk) | Q(asset__owner_id=user.pk))
        .filter(status__in=UNRESOLVED_STATUSES, due_date__lte=horizon)
        .select_related("asset", "version")
        .order_by("due_date", "pk")
    )


def overdue_reviews_for(user: User) -> QuerySet[AssetVersion]:
    """Deployed versions past their review date, for approvers and for the owning team."""
    qs = visible_versions(user).filter(stage=VersionStage.DEPLOYED, next_review_at__lte=timezone.now())
    if not user.has_role(Role.APPROVER):
        qs = qs.filter(Q(asset__team_id__in=user.team_ids) | Q(asset__owner_id=user.pk))
    return qs.select_related("asset").order_by("next_review_at", "pk")


@dataclass(frozen=True)
class InboxList:
    key: str
    title: str
    items: QuerySet
    empty: str


def inbox_for(user: User) -> list[InboxList]:
    return [
        InboxList("decide", "Requests waiting for your decision", requests_to_decide(user),
                  "No approval request waits for you."),
        InboxList("validate", "Versions you can validate", versions_to_validate(user),
                  "Nothing to validate."),
        InboxList("sent_back", "Your versions sent back", sent_back_to_me(user), "Nothing was sent back."),
        InboxList("proposals", "Your proposals waiting for a new request", proposals_sent_back(user),
                  "No proposal waits for you."),
        InboxList("findings", "Findings due", findings_due(user), "No finding of yours is due."),
        InboxList("reviews", "Overdue periodic reviews", overdue_reviews_for(user), "No review is overdue."),
    ]  # fmt: skip


def _count(qs: QuerySet) -> Coalesce:
    """COUNT(*) of `qs` as a scalar subquery (0 when empty)."""
    grouped = qs.order_by().annotate(_one=Value(1)).values("_one").annotate(_n=Count("pk")).values("_n")[:1]
    return Coalesce(Subquery(grouped, output_field=IntegerField()), 0)


def inbox_count(user: User) -> int:
    """The navigation badge: everything waiting, in one query (it is on every page)."""
    if not user.is_authenticated or not user.is_active:
        return 0
    counts = {f"n{i}": _count(entry.items) for i, entry in enumerate(inbox_for(user))}
    row = User.objects.filter(pk=user.pk).annotate(**counts).values_list(*counts).first()
    return sum(row or ())
