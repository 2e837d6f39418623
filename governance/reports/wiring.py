"""What the reports app plugs into others' registries: event visibility, page panels, navigation."""

from __future__ import annotations

from typing import Any

from django.db.models import CharField
from django.db.models.functions import Cast
from django.http import HttpRequest

from governance.web.navigation import NavItem, register_nav_item
from governance.web.panels import Panel, register_asset_panel, register_version_panel
from lifecycle.queries import register_event_visibility


def _report_ids(user: Any) -> Any:
    from governance.reports.services import visible_reports

    return visible_reports(user).annotate(sid=Cast("pk", CharField())).values("sid")


def _panel_context(request: HttpRequest, obj: Any) -> dict[str, Any] | None:
    from governance.reports.models import ReportScope
    from governance.reports.services import reports_about

    if not request.user.is_authenticated:
        return None
    scope = ReportScope.VERSION if obj._meta.model_name == "assetversion" else ReportScope.ASSET
    return {"report_scope": scope, "recent_reports": list(reports_about(obj, request.user))}


def register() -> None:
    register_event_visibility("reports.auditreport", _report_ids)
    register_asset_panel(Panel("audit-report", "reports/panel.html", _panel_context, order=900))
    register_version_panel(Panel("audit-report", "reports/panel.html", _panel_context, order=900))
    register_nav_item(NavItem("reports", "Reports", "reports:list", order=85))
