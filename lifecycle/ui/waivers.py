"""Waiver pages: list, detail, grant (from an asset or version page) and revoke."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from governance.accounts.models import User
from governance.audit.actors import Actor
from governance.inventory.models import Asset, AssetVersion
from lifecycle.approvals.waivers import grant_waiver, may_grant, revoke_waiver
from lifecycle.models import Waiver
from lifecycle.queries import visible_assets, visible_versions
from lifecycle.stages import ASSET, VERSION
from lifecycle.ui.forms import RevokeForm, WaiverForm


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def visible_waivers(user: User):  # type: ignore[no-untyped-def]
    return Waiver.objects.filter(asset__in=visible_assets(user)).select_related("asset", "version")


@login_required
def waiver_list(request: HttpRequest) -> HttpResponse:
    qs = visible_waivers(_user(request)).order_by("-granted_at", "-pk")
    state = request.GET.get("state", "")
    from django.utils import timezone

    now = timezone.now()
    if state == "valid":
        qs = qs.filter(revoked_at__isnull=True, expires_at__gt=now)
    elif state == "expired":
        qs = qs.filter(revoked_at__isnull=True, expires_at__lte=now)
    elif state == "revoked":
        qs = qs.filter(revoked_at__isnull=False)
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(request, "lifecycle/waivers/list.html", {"page": page, "state": state})


@login_required
def waiver_detail(request: HttpRequest, pk: int) -> HttpResponse:
    waiver = get_object_or_404(visible_waivers(_user(request)), pk=pk)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            revoke_waiver(
                actor=Actor.from_request(request), waiver=waiver, reason=form.cleaned_data["reason"]
            )
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(request, "The waiver was revoked.")
            return redirect(waiver.get_absolute_url())
    status = 400 if request.method == "POST" else 200
    may_revoke = _user(request).has_role("approver", "admin") and waiver.revoked_at is None
    return render(
        request, "lifecycle/waivers/detail.html",
        {"waiver": waiver, "form": form, "may_revoke": may_revoke}, status=status,
    )  # fmt: skip


@login_required
def waiver_create(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Grant a waiver for one gate on one asset or version (approvers outside its team and work)."""
    user = _user(request)
    version: AssetVersion | None = None
    if kind == VERSION:
        version = get_object_or_404(visible_versions(user).select_related("asset"), pk=pk)
        asset = version.asset
    elif kind == ASSET:
        asset = get_object_or_404(visible_assets(user), pk=pk)
    else:
        raise Http404("Unknown kind of object.")
    actor = Actor.from_request(request)
    refused = may_grant(actor, asset, version)
    form = WaiverForm(request.POST or None, initial={"gate": request.GET.get("gate", "")})
    if request.method == "POST" and not refused and form.is_valid():
        try:
            waiver = grant_waiver(actor=actor, asset=asset, version=version, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        except PermissionDenied as exc:
            refused = [str(exc)]
        else:
            messages.success(request, "The waiver was granted.")
            return redirect(waiver.get_absolute_url())
    subject: Asset | AssetVersion = version or asset
    status = 403 if refused else (400 if request.method == "POST" else 200)
    context = {"form": form, "subject": subject, "asset": asset, "version": version, "refused": refused}
    return render(request, "lifecycle/waivers/form.html", context, status=status)
