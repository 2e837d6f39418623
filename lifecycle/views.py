"""The UI door to transition(): one POST view for assets and versions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from governance.audit.actors import Actor
from governance.inventory.models import Asset, AssetVersion
from governance.inventory.views import render_asset_page, render_version_page
from lifecycle.exceptions import LifecycleError
from lifecycle.forms import TransitionForm, object_page_context
from lifecycle.queries import visible_assets, visible_versions
from lifecycle.stages import ASSET, STAGES, VERSION
from lifecycle.transitions import transition

PAGE_RELATED = {
    ASSET: ("team", "owner", "created_by"),
    VERSION: ("asset", "asset__team", "asset__owner", "registered_by", "validator"),
}


def _visible(request: HttpRequest, kind: str, pk: int) -> Asset | AssetVersion:
    user = request.user
    if kind == ASSET:
        return get_object_or_404(visible_assets(user).select_related(*PAGE_RELATED[ASSET]), pk=pk)  # type: ignore[arg-type]
    if kind == VERSION:
        return get_object_or_404(visible_versions(user).select_related(*PAGE_RELATED[VERSION]), pk=pk)  # type: ignore[arg-type]
    raise Http404("Unknown kind of object.")


def _object_page(
    request: HttpRequest,
    obj: Asset | AssetVersion,
    status: int,
    form: TransitionForm,
    error: LifecycleError | None,
) -> HttpResponse:
    extra = object_page_context(request, obj, transition_form=form, transition_error=error)
    if isinstance(obj, AssetVersion):
        return render_version_page(request, obj, status=status, **extra)
    return render_asset_page(request, obj, status=status, **extra)


@login_required
@require_POST
def transition_view(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Move an asset or version to another stage through lifecycle.transitions.transition().

    Guarantees: 404 for an object the viewer may not see; on success a redirect to the object's page
    with a message. On failure nothing is written and the object's page is shown again with the error,
    every reason and the typed reason kept, answering 400 (bad input), 403 (not permitted) or 409
    (not possible in this stage, gates unmet, or someone moved it first).
    """
    obj = _visible(request, kind, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        error = LifecycleError(
            "The request was incomplete.",
            [f"{name}: {' '.join(str(e) for e in errors)}" for name, errors in form.errors.items()],
        )
        return _object_page(request, obj, 400, form, error)
    data = form.cleaned_data
    try:
        step = transition(
            obj,
            data["to"],
            actor=Actor.from_request(request),
            reason=data["reason"],
            expected_from=data["expected_from"] or None,
        )
    except LifecycleError as error:
        # Show the object as it is now: when someone moved it first, the page must say where it went.
        return _object_page(request, _visible(request, kind, pk), error.http_status, form, error)
    stage = STAGES[kind](step.target).label
    messages.success(request, f"{obj} is now {stage}.")
    return redirect(obj)
