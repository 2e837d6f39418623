"""The home page: who you are, what waits for you, the inventory at a glance and recent activity."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from governance.accounts.models import User
from governance.accounts.roles import Role
from governance.inventory.models import Asset, AssetVersion
from lifecycle.queries import events_visible_to, visible_assets, visible_versions
from lifecycle.stages import AssetStage, VersionStage

WORK_LIST_LENGTH = 5


def _stage_counts(
    queryset: QuerySet[Asset] | QuerySet[AssetVersion], stages: type[AssetStage | VersionStage]
) -> list:
    """Every stage with how many objects are in it (zero included), in lifecycle order."""
    counts = dict(queryset.order_by().values_list("stage").annotate(n=Count("pk")))
    return [
        {"stage": stage.value, "label": stage.label, "count": counts.get(stage.value, 0)} for stage in stages
    ]


def _work_for(user: User) -> list[dict[str, object]]:
    """The lists of things that wait for this user's roles, newest first, each with its total."""
    versions = visible_versions(user).select_related("asset").order_by("-stage_changed_at", "-pk")
    outside_own_teams = versions.exclude(asset__team_id__in=user.team_ids)
    lists: list[tuple[str, QuerySet[AssetVersion] | QuerySet[Asset], str]] = []
    if user.has_role(Role.OWNER):
        mine = versions.filter(asset__team_id__in=user.team_ids)
        lists.append(
            (
                "Changes requested on your team's versions",
                mine.filter(stage=VersionStage.CHANGES_REQUESTED),
                "version",
            )
        )
        lists.append(("Approved, ready to deploy", mine.filter(stage=VersionStage.APPROVED), "version"))
    if user.has_role(Role.VALIDATOR):
        lists.append(
            (
                "Your validations in progress",
                versions.filter(stage=VersionStage.IN_VALIDATION, validator_id=user.pk),
                "version",
            )
        )
        lists.append(
            (
                "Submitted, waiting for a validator",
                outside_own_teams.filter(stage=VersionStage.SUBMITTED),
                "version",
            )
        )
    if user.has_role(Role.APPROVER):
        lists.append(
            (
                "Validated, waiting for approval",
                outside_own_teams.filter(stage=VersionStage.VALIDATED),
                "version",
            )
        )
        proposals = (
            visible_assets(user)
            .filter(stage=AssetStage.PROPOSED)
            .exclude(team_id__in=user.team_ids)
            .order_by("-created_at", "-pk")
        )
        lists.append(("Asset proposals to decide", proposals, "asset"))
    work = []
    for title, queryset, kind in lists:
        items = list(queryset[: WORK_LIST_LENGTH + 1])
        work.append(
            {
                "title": title,
                "items": items[:WORK_LIST_LENGTH],
                "more": len(items) > WORK_LIST_LENGTH,
                "kind": kind,
            }
        )
    return work


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The signed-in user's dashboard. Shows only what the user may see (lifecycle.queries visibility)."""
    user: User = request.user  # type: ignore[assignment]
    context = {
        "roles": [Role(role).label for role in sorted(user.role_set)],
        "teams": list(user.teams.order_by("name")),
        "asset_stages": _stage_counts(visible_assets(user), AssetStage),
        "version_stages": _stage_counts(visible_versions(user), VersionStage),
        "work": _work_for(user),
        "recent_events": list(events_visible_to(user).order_by("-seq")[:8]),
        "may_propose": user.has_role(Role.OWNER) and bool(user.team_ids),
        "is_admin": user.has_role(Role.ADMIN),
    }
    return render(request, "web/home.html", context)
