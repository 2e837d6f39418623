"""Inventory pages: the asset list (filters, sorting, CSV), asset and version pages, and their forms.

Every page resolves objects among those the viewer may see (lifecycle.queries), so an object one may
not see answers 404 — the same rule the API follows. Writes go through governance.inventory.services.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Count, Expression, IntegerField, Q, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from governance.accounts.models import User
from governance.accounts.roles import Role
from governance.audit.actors import Actor
from governance.audit.queries import events_about
from governance.inventory import services
from governance.inventory.errors import FrozenError
from governance.inventory.filtersets import AssetFilter
from governance.inventory.forms import AssetForm, VersionForm
from governance.inventory.models import AiActCategory, Asset, AssetVersion
from governance.web.forms import add_service_errors
from governance.web.panels import ASSET_PANELS, VERSION_PANELS, render_panels
from governance.web.spreadsheets import csv_response
from governance.web.tables import Sorting, paginate
from lifecycle.approvals.proposals import propose_asset
from lifecycle.forms import StageAtForm, object_page_context
from lifecycle.queries import history, visible_assets, visible_versions
from lifecycle.stages import FINAL_STAGES, FROZEN_VERSION_STAGES, AssetStage

RECENT_EVENTS = 10


def _ordered(choices: Any, field: str) -> Case:
    """Sort by a choice field in its declared (lifecycle or risk) order rather than alphabetically."""
    return Case(
        *[When(**{field: value}, then=Value(i)) for i, value in enumerate(choices.values)],
        default=Value(len(choices.values)),
        output_field=IntegerField(),
    )


ASSET_SORTS: dict[str, Sequence[str | Expression]] = {
    "name": ["name"],
    "team": ["team__name"],
    "kind": ["kind"],
    "category": [_ordered(AiActCategory, "ai_act_category")],
    "tier": ["materiality_tier"],
    "stage": [_ordered(AssetStage, "stage")],
    "versions": ["version_count"],
    "updated": ["updated_at"],
}


# The shared AssetFilter's fields, worded for people; every choice list starts with "Any".
FILTER_LABELS = {
    "team": "Team",
    "kind": "Kind",
    "category": "EU AI Act category",
    "tier": "Materiality tier",
    "stage": "Asset stage",
    "version_stage": "Has a version in stage",
}


def _present_filters(form: forms.Form) -> forms.Form:
    for name, field in form.fields.items():
        field.label = FILTER_LABELS.get(name, field.label)
        if not isinstance(field, forms.ChoiceField):
            continue
        if hasattr(field, "empty_label"):  # django-filter's and model choice fields add the empty choice
            field.empty_label = "Any"
        else:
            choices = list(field.choices)  # type: ignore[arg-type]  # a plain list once the filter is built
            field.choices = [("", "Any"), *[(value, label) for value, label in choices if value != ""]]
        # The widget was copied with the form and still iterates over the class-level field's choices.
        field.widget.choices = field.choices
    return form


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _filtered_assets(request: HttpRequest) -> tuple[AssetFilter, Sorting, QuerySet[Asset]]:
    """The viewer's visible assets, filtered by the shared AssetFilter and sorted server-side."""
    base = (
        visible_assets(_user(request))
        .select_related("team", "owner")
        # Counted before the filters run, so "has a version in stage X" does not change the counts.
        .annotate(
            version_count=Count("versions", distinct=True),
            deployed_count=Count("versions", filter=Q(versions__stage="deployed"), distinct=True),
            # Deployed versions past their periodic review date (flagged in the list; approvals issue).
            reviews_overdue=Count(
                "versions",
                filter=Q(versions__stage="deployed", versions__next_review_at__lte=timezone.now()),
                distinct=True,
            ),
        )
    )
    filters = AssetFilter(request.GET or None, queryset=base)
    sorting = Sorting.from_request(request, ASSET_SORTS, default="name")
    queryset = filters.qs if filters.is_bound else base
    return filters, sorting, sorting.apply(queryset)


@login_required
def asset_list(request: HttpRequest) -> HttpResponse:
    """The inventory: visible assets only, filterable, sortable, 50 a page, in a constant number of queries.

    An htmx request from the filter form or a page/sort link gets just the results fragment.
    """
    filters, sorting, assets = _filtered_assets(request)
    page = paginate(request, assets)
    context = {
        "filter": filters,
        "form": _present_filters(filters.form),
        "sorting": sorting,
        "page": page,
        "may_propose": _user(request).has_role(Role.OWNER) and bool(_user(request).team_ids),
    }
    template = "inventory/asset_list.html"
    if request.htmx and request.htmx.target == "results":  # type: ignore[attr-defined]
        template += "#results"
    return render(request, template, context)


@login_required
def asset_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered inventory as CSV: only visible assets, every cell safe against formula injection."""
    _, _, assets = _filtered_assets(request)
    # CSV column -> queryset value; values_list keeps the export one streamed query however many rows.
    columns = {
        "slug": "slug",
        "name": "name",
        "kind": "kind",
        "team": "team__slug",
        "owner": "owner__username",
        "ai_act_category": "ai_act_category",
        "materiality_tier": "materiality_tier",
        "stage": "stage",
        "versions": "version_count",
        "deployed_versions": "deployed_count",
        "vendor": "vendor",
        "tags": "tags",
        "purpose": "purpose",
        "created_at": "created_at",
        "updated_at": "updated_at",
    }
    rows = assets.values_list(*columns.values()).iterator(chunk_size=500)
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    return csv_response(f"steward-inventory-{stamp}.csv", list(columns), rows)


def _visible_asset(request: HttpRequest, slug: str) -> Asset:
    return get_object_or_404(
        visible_assets(_user(request)).select_related("team", "owner", "created_by"), slug=slug
    )


def _visible_version(request: HttpRequest, slug: str, pk: int) -> AssetVersion:
    return get_object_or_404(
        visible_versions(_user(request)).select_related(
            "asset", "asset__team", "asset__owner", "registered_by", "validator"
        ),
        pk=pk,
        asset__slug=slug,
    )


def render_asset_page(request: HttpRequest, asset: Asset, *, status: int = 200, **extra: Any) -> HttpResponse:
    """The asset page; the transition view re-renders it with the form and error of a failed move."""
    user = _user(request)
    visible_ids = visible_assets(user).values("pk")
    context = {
        "asset": asset,
        "dependencies": list(asset.dependencies.filter(pk__in=visible_ids).select_related("team")),
        "hidden_dependencies": asset.dependencies.exclude(pk__in=visible_ids).count(),
        "dependents": list(asset.dependents.filter(pk__in=visible_ids).select_related("team")),
        "versions": list(asset.versions.select_related("registered_by").order_by("-created_at", "-pk")),
        "steps": list(history(asset)),
        "events": list(events_about(asset)[:RECENT_EVENTS]),
        "may_edit": services.may_edit_asset(user, asset) and asset.stage not in FINAL_STAGES["asset"],
        "panels": render_panels(request, asset, ASSET_PANELS),
        **object_page_context(request, asset),
        **extra,
    }
    return render(request, "inventory/asset_detail.html", context, status=status)


def render_version_page(
    request: HttpRequest, version: AssetVersion, *, status: int = 200, **extra: Any
) -> HttpResponse:
    """The version page; the transition view re-renders it with the form and error of a failed move."""
    user = _user(request)
    stage_at_form = StageAtForm(request.GET if "at" in request.GET else None)
    context = {
        "version": version,
        "asset": version.asset,
        "steps": list(history(version)),
        "events": list(events_about(version)[:RECENT_EVENTS]),
        "may_edit": services.may_edit_asset(user, version.asset)
        and version.stage not in FROZEN_VERSION_STAGES,
        "stage_at_form": stage_at_form,
        "stage_at": stage_at_form.answer(version),
        "frozen": version.stage in FROZEN_VERSION_STAGES,
        "panels": render_panels(request, version, VERSION_PANELS),
        **object_page_context(request, version),
        **extra,
    }
    template = "inventory/version_detail.html"
    if request.htmx and request.htmx.target == "stage-at-answer":  # type: ignore[attr-defined]
        template += "#stage-at-answer"
    return render(request, template, context, status=status)


@login_required
def asset_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """An asset: details, dependencies, versions, lifecycle timeline and the moves the viewer may make."""
    return render_asset_page(request, _visible_asset(request, slug))


@login_required
def version_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """A version: technical identity, timeline, the viewer's possible moves, point-in-time stage, events."""
    return render_version_page(request, _visible_version(request, slug, pk))


def _kept_hidden_dependencies(user: User, asset: Asset) -> list[Asset]:
    """Dependencies the editor cannot see: the form cannot show them, so saving must not drop them."""
    return list(asset.dependencies.exclude(pk__in=visible_assets(user).values("pk")))


@login_required
def asset_create(request: HttpRequest) -> HttpResponse:
    """Propose an asset for one of the owner's teams. 403 for users who are not owners in a team."""
    user = _user(request)
    if not (user.has_role(Role.OWNER) and user.team_ids):
        raise PermissionDenied("Only owners may propose assets, and only for their own team.")
    form = AssetForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            # Proposing opens the proposal's approval request too (lifecycle wraps the record service).
            asset = propose_asset(
                actor=Actor.from_request(request),
                team=data["team"],
                slug=data["slug"],
                dependencies=list(data["dependencies"]),
                **form.asset_fields(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, f"{asset.name} was proposed. An approver outside your team decides on it."
            )
            return redirect(asset)
    status = 400 if form.errors else 200
    return render(request, "inventory/asset_form.html", {"form": form, "asset": None}, status=status)


@login_required
def asset_edit(request: HttpRequest, slug: str) -> HttpResponse:
    """Change an asset's description. 403 unless the viewer may edit it; 409 once retired or rejected."""
    user = _user(request)
    asset = _visible_asset(request, slug)
    if not services.may_edit_asset(user, asset):
        raise PermissionDenied("Only the asset's owner or an owner in its team may change it.")
    form = AssetForm(request.POST or None, user=user, asset=asset)
    status = 200
    if request.method == "POST" and form.is_valid():
        dependencies = [*form.cleaned_data["dependencies"], *_kept_hidden_dependencies(user, asset)]
        try:
            services.update_asset(
                actor=Actor.from_request(request),
                asset=asset,
                dependencies=dependencies,
                **form.asset_fields(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except FrozenError as error:
            form.add_error(None, str(error))
            status = 409
        else:
            messages.success(request, f"{asset.name} was updated.")
            return redirect(asset)
    if form.errors and status == 200:
        status = 400
    return render(request, "inventory/asset_form.html", {"form": form, "asset": asset}, status=status)


@login_required
def version_create(request: HttpRequest, slug: str) -> HttpResponse:
    """Register a new version of a visible asset. 403 unless the viewer may edit the asset."""
    asset = _visible_asset(request, slug)
    if not services.may_edit_asset(_user(request), asset):
        raise PermissionDenied("Only the asset's owner or an owner in its team may register versions.")
    form = VersionForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            version = services.register_version(
                actor=Actor.from_request(request),
                asset=asset,
                label=form.cleaned_data["label"],
                **form.version_fields(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except FrozenError as error:
            form.add_error(None, str(error))
            status = 409
        else:
            messages.success(request, f"Version {version.label} of {asset.name} was registered.")
            return redirect(version)
    if form.errors and status == 200:
        status = 400
    context = {"form": form, "asset": asset, "version": None}
    return render(request, "inventory/version_form.html", context, status=status)


@login_required
def version_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Change a version's technical identity; refused with a message (409 on submit) once it is frozen."""
    version = _visible_version(request, slug, pk)
    if not services.may_edit_asset(_user(request), version.asset):
        raise PermissionDenied("Only the asset's owner or an owner in its team may change its versions.")
    if request.method != "POST" and version.stage in FROZEN_VERSION_STAGES:
        messages.warning(
            request,
            f"Version {version.label} is {version.get_stage_display().lower()}: its content is read-only. "
            "Register a new version to change it.",
        )
        return redirect(version)
    form = VersionForm(request.POST or None, version=version)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.update_version(
                actor=Actor.from_request(request), version=version, **form.version_fields()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        except FrozenError as error:
            form.add_error(None, str(error))
            status = 409
        else:
            messages.success(request, f"Version {version.label} was updated.")
            return redirect(version)
    if form.errors and status == 200:
        status = 400
    context = {"form": form, "asset": version.asset, "version": version}
    return render(request, "inventory/version_form.html", context, status=status)
