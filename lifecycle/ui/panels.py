"""Panels on the asset and version pages: the approval checklist, the request and decide form, waivers,
findings. Registered from lifecycle.approvals.wiring."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from governance.accounts.models import User
from governance.audit.actors import Actor
from governance.inventory.models import Asset, AssetVersion
from governance.oversight.findings import may_raise
from governance.oversight.models import UNRESOLVED_STATUSES, Finding
from lifecycle.approvals.queries import expired_waivers, requests_about, review_overdue, valid_waivers
from lifecycle.approvals.requests import may_reopen
from lifecycle.approvals.waivers import may_grant
from lifecycle.stages import ASSET, VERSION, AssetStage, VersionStage
from lifecycle.ui.approvals import request_context

RECENT_REQUESTS = 5


def approval_panel(request: HttpRequest, obj: Asset | AssetVersion) -> dict[str, Any] | None:
    """The gates checklist (dry run), the open request with its decisions and the decide form."""
    user: User = request.user  # type: ignore[assignment]
    version = obj if isinstance(obj, AssetVersion) else None
    asset = version.asset if version else obj
    if not (isinstance(asset, Asset)):
        raise RuntimeError("invariant broken: isinstance(asset, Asset)")
    history = list(requests_about(obj)[:RECENT_REQUESTS])
    open_one = next((r for r in history if r.is_open), None)
    context: dict[str, Any] = {"requests": history, "kind": VERSION if version else ASSET}
    if open_one is not None:
        open_one.asset = asset
        if version is not None:
            open_one.version = version
        context |= request_context(user, open_one)
    else:
        from lifecycle.approvals.dry_run import dry_run

        context["dry_run"] = dry_run(obj, user)
        if history:  # the last decided request: who signed what, shown with the object
            context["latest"] = history[0]
            context["decisions"] = list(history[0].decisions.order_by("signed_at", "pk"))
    actor = Actor.for_user(user)
    stage_ok = obj.stage == (VersionStage.VALIDATED if version else AssetStage.PROPOSED)
    context["may_reopen"] = open_one is None and stage_ok and may_reopen(actor, obj)
    context["may_waive"] = not may_grant(actor, asset, version)
    context["waivers"] = list(valid_waivers(obj).order_by("expires_at"))
    context["expired_waivers"] = list(expired_waivers(obj).order_by("-expires_at")[:5])
    context["review_overdue"] = version is not None and review_overdue(version)
    context["now"] = timezone.now()
    return context


def findings_panel(request: HttpRequest, obj: Asset | AssetVersion) -> dict[str, Any] | None:
    user: User = request.user  # type: ignore[assignment]
    if isinstance(obj, AssetVersion):
        qs = Finding.objects.filter(version=obj)
        asset = obj.asset
    else:
        qs = Finding.objects.filter(asset=obj)
        asset = obj
    findings = list(qs.select_related("owner").order_by("status", "-severity", "due_date")[:20])
    return {
        "findings": findings,
        "unresolved": sum(f.status in UNRESOLVED_STATUSES for f in findings),
        "may_raise": may_raise(Actor.for_user(user), asset),
        "kind": VERSION if isinstance(obj, AssetVersion) else ASSET,
        "today": timezone.now().date(),
    }
