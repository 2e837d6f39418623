"""The governance dashboard and the lists behind its figures (compliance officers, approvers, admins).

Views are edges: figures come from lifecycle.dashboard over what the viewer may see; each figure
links to a list that applies the same filter, so the number and the list always agree.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import BooleanField, ExpressionWrapper, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from governance.accounts.models import User
from governance.accounts.roles import Role
from governance.inventory.models import Asset, AssetVersion
from lifecycle.completeness import PART_KEYS, PARTS, AssetCompleteness, least_complete
from lifecycle.dashboard import FLAGS, dashboard_for
from lifecycle.queries import visible_versions
from lifecycle.stages import VersionStage

DASHBOARD_ROLES = (Role.COMPLIANCE, Role.APPROVER, Role.ADMIN)
PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _require_dashboard_role(request: HttpRequest) -> User:
    user = _user(request)
    if not user.has_role(*DASHBOARD_ROLES):
        raise PermissionDenied("The governance dashboard is for compliance officers, approvers and admins.")
    return user


def _link(url_name: str, query: dict[str, str] | Any) -> str:
    return f"{reverse(url_name)}?{urlencode(dict(query))}" if query else reverse(url_name)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Every figure with a link to its list; a fixed number of queries whatever the inventory's size."""
    user = _require_dashboard_role(request)
    data = dashboard_for(user)
    inventory = [
        ("Assets by stage", [(f, _link("inventory:list", f.query)) for f in data.asset_stages]),
        ("Assets by AI Act category", [(f, _link("inventory:list", f.query)) for f in data.categories]),
        ("Assets by materiality tier", [(f, _link("inventory:list", f.query)) for f in data.tiers]),
        ("Assets by team", [(f, _link("inventory:list", f.query)) for f in data.teams]),
    ]
    context = {
        "data": data,
        "inventory": inventory,
        "version_stages": [(f, _link("oversight:dashboard_versions", f.query)) for f in data.version_stages],
        "flags": [(f, _link("oversight:dashboard_versions", f.query)) for f in data.flags],
        "incidents": [(f, _link("oversight:incidents", f.query)) for f in data.incidents],
        "deployed_link": _link("oversight:dashboard_versions", {"stage": VersionStage.DEPLOYED}),
        "parts": [
            (
                part,
                data.completeness.missing[part.key],
                _link("oversight:dashboard_assets", {"missing": part.key}),
            )
            for part in PARTS
        ],
        "least": _completeness_rows(data.least_complete),
        "assets_link": reverse("oversight:dashboard_assets"),
    }
    return render(request, "oversight/dashboard/index.html", context)


def _flag_annotations() -> dict[str, ExpressionWrapper]:
    now = timezone.now()
    return {
        f"flag_{key}": ExpressionWrapper(flag.condition(now), output_field=BooleanField())
        for key, flag in FLAGS.items()
    }


@login_required
def dashboard_versions(request: HttpRequest) -> HttpResponse:
    """The versions behind a figure: all in a stage (?stage=) or deployed ones with a flag (?flag=)."""
    user = _require_dashboard_role(request)
    stage, flag = request.GET.get("stage", ""), request.GET.get("flag", "")
    versions: QuerySet[AssetVersion] = visible_versions(user)
    if flag:
        if flag not in FLAGS:
            raise Http404("No such figure.")
        versions = versions.filter(stage=VersionStage.DEPLOYED).filter(FLAGS[flag].condition(timezone.now()))
        title = FLAGS[flag].label
        description = FLAGS[flag].description
    elif stage:
        if stage not in VersionStage.values:
            raise Http404("No such stage.")
        versions = versions.filter(stage=stage)
        title, description = f"Versions {VersionStage(stage).label.lower()}", ""
    else:
        title, description = "All versions", ""
    versions = (
        versions.select_related("asset", "asset__team")
        .annotate(**_flag_annotations())
        .order_by("asset__name", "-created_at", "-pk")
    )
    page = Paginator(versions, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        (
            version,
            [
                FLAGS[key].label
                for key in FLAGS
                if version.stage == VersionStage.DEPLOYED and getattr(version, f"flag_{key}")
            ],
        )
        for version in page
    ]
    context = {"title": title, "description": description, "page": page, "rows": rows}
    return render(request, "oversight/dashboard/versions.html", context)


def _fix_links(item: AssetCompleteness, asset: Asset, version: AssetVersion | None) -> list[tuple[str, str]]:
    """For each missing part, where to fix it: the version's documents, reviews, evidence or monitoring."""
    if version is None:
        return [("Register a version", reverse("inventory:version_create", args=[asset.slug]))]
    page = version.get_absolute_url()
    links = {
        "documents": ("Write or finalise the model card", f"{page}#documents"),
        "reviews": ("Validation report and bias review", f"{page}#bias-review"),
        "evidence": ("Attach evidence", f"{page}#evidence"),
        "monitoring": (
            ("Define a monitoring plan", reverse("oversight:monitoring_plan", args=[version.pk]))
            if "monitoring" in item.missing and not _has_plan(version)
            else ("Check the monitoring feed", reverse("oversight:monitoring", args=[version.pk]))
        ),
    }
    return [links[key] for key in item.missing]


def _has_plan(version: AssetVersion) -> bool:
    return bool(getattr(version, "has_plan", False))


def _completeness_rows(items: list[AssetCompleteness]) -> list[dict[str, Any]]:
    """Rows for the completeness tables: asset, current version, score, parts and fix links (2 queries)."""
    from django.db.models import Exists, OuterRef

    from governance.oversight.models.monitoring import MonitoringPlan

    assets = Asset.objects.select_related("team").in_bulk([i.asset_id for i in items])
    versions = AssetVersion.objects.annotate(
        has_plan=Exists(MonitoringPlan.objects.filter(version=OuterRef("pk")))
    ).in_bulk([i.version_id for i in items if i.version_id])
    rows = []
    for item in items:
        asset = assets[item.asset_id]
        version = versions.get(item.version_id) if item.version_id else None
        if version is not None:
            version.asset = asset  # its URL needs the asset's slug: no query per row
        rows.append(
            {
                "item": item,
                "asset": asset,
                "version": version,
                "parts": [(part, item.present[part.key]) for part in PARTS],
                "fixes": _fix_links(item, asset, version),
            }
        )
    return rows


@login_required
def dashboard_assets(request: HttpRequest) -> HttpResponse:
    """Open assets from least to most complete, optionally only those missing one part (?missing=)."""
    user = _require_dashboard_role(request)
    missing = request.GET.get("missing", "")
    if missing and missing not in PART_KEYS:
        raise Http404("No such part.")
    try:
        number = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        number = 1
    items, total = least_complete(user, missing=missing, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE)
    pages = max(1, -(-total // PAGE_SIZE))
    part = next((p for p in PARTS if p.key == missing), None)
    context = {
        "part": part,
        "rows": _completeness_rows(items),
        "total": total,
        "number": number,
        "pages": pages,
        "previous": number - 1 if number > 1 else None,
        "next": number + 1 if number < pages else None,
        "parts": PARTS,
    }
    return render(request, "oversight/dashboard/assets.html", context)
