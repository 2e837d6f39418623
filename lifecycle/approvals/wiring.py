"""Registrations of approvals into shared registries: audit-event visibility, navigation, page panels."""

from __future__ import annotations

from django.db.models import CharField, QuerySet
from django.db.models.functions import Cast

from governance.oversight.models import Finding
from lifecycle.models import ApprovalPolicy, ApprovalRequest, Waiver
from lifecycle.queries import register_event_visibility, visible_assets


def _ids(qs: QuerySet) -> QuerySet:
    return qs.annotate(sid=Cast("pk", CharField())).values("sid")


def register_visibility() -> None:
    """Audit events about requests, waivers and findings are seen by whoever may see their asset."""
    register_event_visibility(
        "lifecycle.approvalrequest",
        lambda user: _ids(ApprovalRequest.objects.filter(asset__in=visible_assets(user))),
    )
    register_event_visibility(
        "lifecycle.waiver", lambda user: _ids(Waiver.objects.filter(asset__in=visible_assets(user)))
    )
    register_event_visibility(
        "oversight.finding", lambda user: _ids(Finding.objects.filter(asset__in=visible_assets(user)))
    )
    # Policies are public to every signed-in user (they say who must approve what).
    register_event_visibility("lifecycle.approvalpolicy", lambda user: _ids(ApprovalPolicy.objects.all()))


def register_ui() -> None:
    """Visibility of events, the Inbox/Approvals/Findings/Waivers/Policies navigation, page panels."""
    from governance.web.navigation import NavItem, register_nav_item
    from governance.web.panels import Panel, register_asset_panel, register_version_panel
    from lifecycle.ui.inbox import nav_counter
    from lifecycle.ui.panels import approval_panel, findings_panel

    register_visibility()
    register_nav_item(NavItem("inbox", "Inbox", "lifecycle:inbox", order=5), counter=nav_counter)
    register_nav_item(NavItem("approvals", "Approvals", "lifecycle:approvals", order=20))
    register_nav_item(NavItem("findings", "Findings", "oversight:findings", order=30))
    register_nav_item(NavItem("waivers", "Waivers", "lifecycle:waivers", order=35))
    register_nav_item(NavItem("policies", "Policies", "lifecycle:policies", order=85))
    for register in (register_version_panel, register_asset_panel):
        register(Panel("approvals", "lifecycle/panels/approval.html", approval_panel, order=10))
        register(Panel("findings", "oversight/findings/panel.html", findings_panel, order=40))


__all__ = ["register_ui"]
