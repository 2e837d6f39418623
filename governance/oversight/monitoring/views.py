"""Monitoring pages: edit a version's plan, and a version's full monitoring history.

Views are edges: objects are resolved among those the viewer may see (lifecycle.queries), writes go
through the plan service, and charts come from monitoring.queries.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from governance.accounts.models import User
from governance.audit.actors import Actor
from governance.inventory.errors import FrozenError
from governance.inventory.models import AssetVersion
from governance.inventory.services import may_edit_asset
from governance.oversight.models.monitoring import Observation
from governance.oversight.monitoring import queries
from governance.oversight.monitoring.forms import (
    MetricFormSet,
    PlanNotesForm,
    initial_metrics,
    submitted_metrics,
)
from governance.oversight.monitoring.plans import may_edit_plan, plan_is_frozen, save_monitoring_plan
from governance.web.tables import paginate
from lifecycle.queries import visible_versions


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _visible_version(request: HttpRequest, pk: int) -> AssetVersion:
    return get_object_or_404(visible_versions(_user(request)).select_related("asset", "asset__team"), pk=pk)


@login_required
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a version's monitoring plan: owners only, until the version is approved (then 409 on submit)."""
    version = _visible_version(request, pk)
    if not may_edit_asset(_user(request), version.asset):
        raise PermissionDenied(
            "Only the asset's owner or an owner in its team may change its monitoring plan."
        )
    plan = queries.plan_of(version)
    if request.method != "POST" and plan_is_frozen(version):
        messages.warning(
            request,
            f"Version {version.label} is {version.get_stage_display().lower()}: "
            "its monitoring plan was approved with it and is read-only. "
            "Register a new version to change the plan.",
        )
        return redirect(version.get_absolute_url() + "#monitoring")
    notes_form = PlanNotesForm(request.POST or None, initial={"notes": plan.notes if plan else ""})
    formset = MetricFormSet(request.POST or None, initial=initial_metrics(plan), prefix="metrics")
    status, problems = 200, []
    if request.method == "POST" and notes_form.is_valid() and formset.is_valid():
        try:
            save_monitoring_plan(
                actor=Actor.from_request(request),
                version=version,
                metrics=submitted_metrics(formset),
                notes=notes_form.cleaned_data["notes"],
            )
        except ValidationError as error:
            problems = [m for messages_ in error.message_dict.values() for m in messages_]
        except FrozenError as error:
            problems, status = [str(error)], 409
        else:
            messages.success(request, f"The monitoring plan of version {version.label} was saved.")
            return redirect(version.get_absolute_url() + "#monitoring")
    if (
        request.method == "POST"
        and status == 200
        and (problems or not formset.is_valid() or notes_form.errors)
    ):
        status = 400
    context = {
        "version": version,
        "asset": version.asset,
        "plan": plan,
        "notes_form": notes_form,
        "formset": formset,
        "problems": problems,
    }
    return render(request, "oversight/monitoring/plan_form.html", context, status=status)


@login_required
def version_monitoring(request: HttpRequest, pk: int) -> HttpResponse:
    """A version's monitoring: every metric's chart and the observations table (filter by metric, status)."""
    version = _visible_version(request, pk)
    plan = queries.plan_of(version)
    observations = Observation.objects.filter(version=version).select_related("metric")
    metric, status = request.GET.get("metric", ""), request.GET.get("status", "")
    if metric:
        observations = observations.filter(metric__key=metric)
    if status in {"ok", "warning", "breach"}:
        observations = observations.filter(status=status)
    page = paginate(request, observations.order_by("-window_end", "metric__key", "segment", "-pk"))
    last = queries.last_observed_at(version)
    context = {
        "version": version,
        "asset": version.asset,
        "plan": plan,
        "histories": queries.metric_histories(version, plan),
        "page": page,
        "metric": metric,
        "status": status,
        "last_observed_at": last,
        "stale": last is None or last < queries.freshness_cutoff(),
        "may_edit_plan": may_edit_plan(_user(request), version),
    }
    return render(request, "oversight/monitoring/version.html", context)
