"""The governance dashboard's figures: what compliance officers and approvers need to see at a glance.

Every figure is counted over what the viewer may see (lifecycle.queries) and comes with the filter of
the list behind it, so a figure and its list always agree. The whole dashboard takes a fixed number
of queries whatever the size of the inventory: counts are grouped or conditional aggregates, flags
are id-set subqueries, and per-asset completeness (lifecycle.completeness) is one SQL pass.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from governance.accounts.models import Team, User
from governance.inventory.models import AiActCategory, AssetVersion, MaterialityTier
from governance.oversight.models.findings import BLOCKING_SEVERITIES, UNRESOLVED_STATUSES, Finding
from governance.oversight.models.incidents import ACTIVE_INCIDENT_STATUSES, Incident
from governance.oversight.models.monitoring import MonitoringPlan
from lifecycle.completeness import (
    AssetCompleteness,
    CompletenessSummary,
    completeness_overview,
    stale_after,
)
from lifecycle.models import ApprovalRequest, Purpose, RequestStatus, Waiver
from lifecycle.queries import visible_assets, visible_versions
from lifecycle.stages import AssetStage, VersionStage


# --- Version flags: each a condition on deployed versions, shared by the counts and the lists ------------
@dataclass(frozen=True)
class Flag:
    key: str
    label: str
    description: str
    condition: Callable[[dt.datetime], Q]


# Each flag is "the version's id is (not) in a set": uncorrelated subqueries the database evaluates once
# (as a hash) instead of probing per deployed version. The sets never hold NULL (NOT IN would break).
def _ids(queryset: QuerySet[Any], column: str = "version_id") -> QuerySet[Any]:
    return queryset.filter(**{f"{column}__isnull": False}).order_by().values(column)


def _open_high_findings(now: dt.datetime) -> Q:
    unresolved = Finding.objects.filter(severity__in=BLOCKING_SEVERITIES, status__in=UNRESOLVED_STATUSES)
    on_asset = unresolved.filter(version__isnull=True)
    return Q(pk__in=_ids(unresolved)) | Q(asset_id__in=_ids(on_asset, "asset_id"))


def _active_incidents(now: dt.datetime) -> Q:
    return Q(pk__in=_ids(Incident.objects.filter(status__in=ACTIVE_INCIDENT_STATUSES)))


def _no_recent_monitoring(now: dt.datetime) -> Q:
    """No observation for a window ending in the last N days (the ingest keeps each plan's latest)."""
    return ~Q(pk__in=_ids(MonitoringPlan.objects.filter(last_observed_at__gte=stale_after(now))))


def _review_overdue(now: dt.datetime) -> Q:
    """As lifecycle.approvals.queries.review_overdue: the periodic review date has passed."""
    return Q(next_review_at__lte=now)


def _no_current_approval(now: dt.datetime) -> Q:
    """No approval request for the version closed as approved (an approval or a reaffirming review)."""
    approved = ApprovalRequest.objects.filter(
        purpose__in=[Purpose.APPROVAL, Purpose.REVIEW], status=RequestStatus.APPROVED
    )
    return ~Q(pk__in=_ids(approved))


def _expired_waiver(now: dt.datetime) -> Q:
    """As lifecycle.approvals.queries.expired_waivers: a waiver of the version ran out without revocation."""
    return Q(pk__in=_ids(Waiver.objects.filter(revoked_at__isnull=True, expires_at__lte=now)))


FLAGS: dict[str, Flag] = {
    flag.key: flag
    for flag in (
        Flag(
            "no_current_approval",
            "Deployed without a current approval",
            "Deployed versions with no approval request closed as approved.",
            _no_current_approval,
        ),
        Flag(
            "expired_waiver",
            "With an expired waiver",
            "Deployed versions with a gate waiver that ran out (and was not revoked).",
            _expired_waiver,
        ),
        Flag(
            "review_overdue",
            "Overdue for periodic review",
            "Deployed versions whose periodic review date has passed.",
            _review_overdue,
        ),
        Flag(
            "open_high_findings",
            "With open high findings",
            "Deployed versions with an unresolved high or critical finding (on the version or its asset).",
            _open_high_findings,
        ),
        Flag(
            "active_incidents",
            "With active incidents",
            "Deployed versions with an incident that is open, under investigation or mitigated.",
            _active_incidents,
        ),
        Flag(
            "no_recent_monitoring",
            "No recent monitoring data",
            "Deployed versions without an observation for a window ending in the last N days.",
            _no_recent_monitoring,
        ),
    )
}


def deployed_versions(user: User) -> QuerySet[AssetVersion]:
    return visible_versions(user).filter(stage=VersionStage.DEPLOYED)


def flagged_versions(user: User, flag: str, now: dt.datetime | None = None) -> QuerySet[AssetVersion]:
    """The deployed versions a flag figure counts (the list behind it)."""
    return deployed_versions(user).filter(FLAGS[flag].condition(now or timezone.now()))


# --- The dashboard ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Figure:
    """One count and the query string of the list behind it."""

    key: str
    label: str
    count: int
    query: Mapping[str, str] = field(default_factory=dict)
    description: str = ""


@dataclass
class Dashboard:
    assets_total: int
    asset_stages: list[Figure]
    version_stages: list[Figure]
    categories: list[Figure]
    tiers: list[Figure]
    teams: list[Figure]
    deployed: int
    flags: list[Figure]
    incidents: list[Figure]
    completeness: CompletenessSummary
    least_complete: list[AssetCompleteness]
    stale_days: int


def _asset_figures(user: User) -> tuple[int, list[Figure], list[Figure], list[Figure], list[Figure]]:
    """Assets by stage, category, tier and team from one grouped query (plus the teams' names)."""
    grouped = (
        visible_assets(user)
        .order_by()
        .values_list("stage", "ai_act_category", "materiality_tier", "team_id")
        .annotate(n=Count("pk"))
    )
    stages: Counter[str] = Counter()
    categories: Counter[str] = Counter()
    tiers: Counter[int] = Counter()
    teams: Counter[int] = Counter()
    for stage, category, tier, team_id, n in grouped:
        stages[stage] += n
        categories[category] += n
        tiers[tier] += n
        teams[team_id] += n
    names = dict(Team.objects.filter(pk__in=list(teams)).values_list("pk", "slug")) if teams else {}
    labels = dict(Team.objects.filter(pk__in=list(teams)).values_list("pk", "name")) if teams else {}
    return (
        sum(stages.values()),
        [Figure(s.value, str(s.label), stages[s.value], {"stage": s.value}) for s in AssetStage],
        [Figure(c.value, str(c.label), categories[c.value], {"category": c.value}) for c in AiActCategory],
        [Figure(str(t.value), str(t.label), tiers[t.value], {"tier": str(t.value)}) for t in MaterialityTier],
        sorted(
            (Figure(names[pk], labels[pk], n, {"team": names[pk]}) for pk, n in teams.items() if pk in names),
            key=lambda f: f.label,
        ),
    )


def _version_stage_figures(user: User) -> list[Figure]:
    counts = dict(visible_versions(user).order_by().values_list("stage").annotate(n=Count("pk")))
    return [Figure(s.value, str(s.label), counts.get(s.value, 0), {"stage": s.value}) for s in VersionStage]


def _flag_figures(user: User, now: dt.datetime) -> tuple[int, list[Figure]]:
    """All flags over the viewer's deployed versions in one query of conditional counts."""
    aggregates = {"deployed": Count("pk")}
    for key, flag in FLAGS.items():
        aggregates[key] = Count("pk", filter=flag.condition(now))
    counts = deployed_versions(user).aggregate(**aggregates)
    figures = [
        Figure(key, flag.label, counts[key], {"flag": key}, flag.description) for key, flag in FLAGS.items()
    ]
    return counts["deployed"], figures


def _incident_figures(user: User, now: dt.datetime) -> list[Figure]:
    incidents = Incident.objects.filter(asset__in=visible_assets(user))
    counts = incidents.aggregate(
        active=Count("pk", filter=Q(status__in=ACTIVE_INCIDENT_STATUSES)),
        overdue=Count("pk", filter=Q(report_due_at__lt=now, reported_at__isnull=True)),
        pending=Count("pk", filter=Q(report_due_at__gte=now, reported_at__isnull=True)),
    )
    return [
        Figure("active", "Active incidents", counts["active"], {"status": "active"}),
        Figure("overdue", "Reports overdue", counts["overdue"], {"overdue": "on"}),
        Figure("pending", "Reports due", counts["pending"], {"pending": "on"}),
    ]


def dashboard_for(user: User, now: dt.datetime | None = None) -> Dashboard:
    """Every figure of the dashboard for `user`, in a fixed number of queries (about ten)."""
    now = now or timezone.now()
    total, asset_stages, categories, tiers, teams = _asset_figures(user)
    deployed, flags = _flag_figures(user, now)
    completeness, least = completeness_overview(user, limit=10, now=now)
    return Dashboard(
        assets_total=total,
        asset_stages=asset_stages,
        version_stages=_version_stage_figures(user),
        categories=categories,
        tiers=tiers,
        teams=teams,
        deployed=deployed,
        flags=flags,
        incidents=_incident_figures(user, now),
        completeness=completeness,
        least_complete=least,
        stale_days=settings.STEWARD_MONITORING_STALE_DAYS,
    )
