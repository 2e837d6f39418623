"""The oversight UI wiring: monitoring and incident panels on asset and version pages, nav entries.

An edge module (it reads visibility from lifecycle.queries); registered from the app's ready().
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone

from governance.accounts.models import User
from governance.inventory.models import Asset, AssetVersion
from governance.oversight.incidents.deadlines import countdown
from governance.oversight.incidents.services import may_handle_incidents
from governance.oversight.models.incidents import Incident
from governance.oversight.monitoring import queries as monitoring
from governance.oversight.monitoring.plans import may_edit_plan, plan_is_frozen
from governance.web.navigation import NavItem, register_nav_item
from governance.web.panels import Panel, register_asset_panel, register_version_panel
from lifecycle.queries import visible_assets
from lifecycle.stages import VersionStage

PANEL_INCIDENTS = 10  # active incidents listed on a page before "All … incidents"


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def monitoring_panel(request: HttpRequest, version: AssetVersion) -> dict[str, Any]:
    """The version's plan and a chart per metric with its threshold bands (three queries)."""
    plan = monitoring.plan_of(version)
    last = monitoring.last_observed_at(version) if plan else None
    return {
        "plan": plan,
        "histories": monitoring.metric_histories(version, plan),
        "last_observed_at": last,
        "stale": last is None or last < monitoring.freshness_cutoff(),
        "stale_days": settings.STEWARD_MONITORING_STALE_DAYS,
        "is_deployed": version.stage == VersionStage.DEPLOYED,
        "frozen": plan_is_frozen(version),
        "may_edit_plan": may_edit_plan(_user(request), version),
    }


def _incident_rows(incidents: Any) -> tuple[list[tuple[Incident, Any]], int]:
    now = timezone.now()
    active = list(incidents.active().select_related("kind").order_by("-detected_at", "-pk")[:PANEL_INCIDENTS])
    rows = [
        (i, countdown(i.report_due_at, now) if i.report_due_at and not i.reported_at else None)
        for i in active
    ]
    return rows, incidents.count()


def version_incidents_panel(request: HttpRequest, version: AssetVersion) -> dict[str, Any]:
    rows, total = _incident_rows(Incident.objects.filter(version=version))
    return {
        "rows": rows,
        "total": total,
        "filter_query": urlencode({"version": version.pk}),
        "may_open": may_handle_incidents(_user(request), version.asset),
        "open_url": reverse("oversight:incident_create", args=["version", version.pk]),
    }


def asset_incidents_panel(request: HttpRequest, asset: Asset) -> dict[str, Any]:
    rows, total = _incident_rows(Incident.objects.filter(asset=asset))
    return {
        "rows": rows,
        "total": total,
        "filter_query": urlencode({"asset": asset.slug}),
        "may_open": may_handle_incidents(_user(request), asset),
        "open_url": reverse("oversight:incident_create", args=["asset", asset.pk]),
    }


def overdue_reports(request: HttpRequest) -> int:
    """Nav badge: incident reports past their deadline on assets the viewer may see."""
    return Incident.objects.overdue().filter(asset__in=visible_assets(_user(request))).count()


def register() -> None:
    register_version_panel(Panel("monitoring", "oversight/monitoring/panel.html", monitoring_panel, order=60))
    register_version_panel(
        Panel("incidents", "oversight/incidents/panel.html", version_incidents_panel, order=65)
    )
    register_asset_panel(
        Panel("incidents", "oversight/incidents/panel.html", asset_incidents_panel, order=65)
    )
    register_nav_item(
        NavItem("incidents", "Incidents", "oversight:incidents", order=40), counter=overdue_reports
    )
    register_nav_item(
        NavItem(
            "dashboard",
            "Dashboard",
            "oversight:dashboard",
            frozenset({"compliance", "approver", "admin"}),
            order=15,
        )
    )
