"""Approvals pages: the list of requests with filters, a request with its decisions and the decide form."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from governance.accounts.models import User
from governance.audit.actors import Actor
from governance.inventory.models import Asset, AssetVersion
from lifecycle.approvals.decisions import decide
from lifecycle.approvals.dry_run import dry_run
from lifecycle.approvals.requests import may_reopen, reopen_request
from lifecycle.approvals.signing import Signature
from lifecycle.exceptions import LifecycleError
from lifecycle.inbox import requests_to_decide
from lifecycle.models import ApprovalRequest, Decision
from lifecycle.queries import visible_assets, visible_versions
from lifecycle.stages import ASSET, VERSION
from lifecycle.ui.forms import DecisionForm, RequestFilterForm

PAGE_SIZE = 25


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def visible_requests(user: User) -> QuerySet[ApprovalRequest]:
    """Requests about assets the user may see (DESIGN §1 visibility)."""
    return ApprovalRequest.objects.filter(asset__in=visible_assets(user))


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    """Open and recent requests the viewer may see, filtered on the server, newest first."""
    user = _user(request)
    form = RequestFilterForm(request.GET or None)
    qs = visible_requests(user)
    if form.is_valid():
        data = form.cleaned_data
        if data["status"]:
            qs = qs.filter(status=data["status"])
        if data["purpose"]:
            qs = qs.filter(purpose=data["purpose"])
        if data["category"]:
            qs = qs.filter(asset__ai_act_category=data["category"])
        if data["mine"]:
            qs = qs.filter(pk__in=requests_to_decide(user).values("pk"))
    qs = (
        qs.select_related("asset", "version", "policy")
        .annotate(approvals=Count("decisions", filter=Q(decisions__meaning__startswith="approve")))
        .order_by("-opened_at", "-pk")
    )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "lifecycle/approvals/list.html", {"form": form, "page": page})


def _visible_request(user: User, pk: int) -> ApprovalRequest:
    return get_object_or_404(
        visible_requests(user).select_related("asset", "asset__team", "asset__owner", "version", "policy"),
        pk=pk,
    )


def request_context(
    user: User, approval: ApprovalRequest, form: DecisionForm | None = None
) -> dict[str, Any]:
    subject = approval.version or approval.asset
    if approval.version is not None:
        approval.version.asset = approval.asset
    run = dry_run(subject, user) if approval.is_open else None
    decisions = list(
        Decision.objects.filter(request=approval).select_related("approver").order_by("signed_at", "pk")
    )
    may_decide = bool(run and run.may_decide)
    if form is None and may_decide:
        form = DecisionForm(initial={"digest_seen": approval.digest})
    return {
        "approval": approval,
        "subject": subject,
        "decisions": decisions,
        "dry_run": run,
        "decision_form": form if may_decide else None,
        "rule": approval.policy.rule_for(approval.purpose),
    }


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the request with every decision. POST: sign a decision (password re-entered)."""
    user = _user(request)
    approval = _visible_request(user, pk)
    if request.method != "POST":
        return render(request, "lifecycle/approvals/detail.html", request_context(user, approval))
    form = DecisionForm(request.POST)
    error: LifecycleError | None = None
    if form.is_valid():
        try:
            decide(
                approval.pk,
                actor=Actor.from_request(request),
                meaning=form.cleaned_data["meaning"],
                comment=form.cleaned_data["comment"],
                conditions=form.conditions(),
                digest_seen=form.cleaned_data["digest_seen"],
                signature=Signature(password=form.cleaned_data["password"]),
            )
        except LifecycleError as exc:
            error = exc
        else:
            messages.success(request, "Your decision was signed and recorded.")
            subject = approval.version or approval.asset
            return redirect(subject.get_absolute_url())
    approval.refresh_from_db()
    context = request_context(user, approval, form)
    context["decision_form"] = form if approval.is_open else None
    context["error"] = error
    status = error.http_status if error is not None else 400
    return render(request, "lifecycle/approvals/detail.html", context, status=status)


@login_required
@require_POST
def reopen(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Ask for approval again after a request went stale (validator) or a proposal was sent back (owner)."""
    user = _user(request)
    obj: Asset | AssetVersion
    if kind == VERSION:
        obj = get_object_or_404(visible_versions(user).select_related("asset"), pk=pk)
    elif kind == ASSET:
        obj = get_object_or_404(visible_assets(user), pk=pk)
    else:
        raise Http404("Unknown kind of object.")
    try:
        new = reopen_request(obj, actor=Actor.from_request(request))
    except LifecycleError as exc:
        messages.error(request, f"{exc.message} {' '.join(exc.reasons[1:])}".strip())
        return redirect(obj.get_absolute_url())
    messages.success(request, "A new approval request is open.")
    return redirect(new.get_absolute_url())


def may_reopen_object(request: HttpRequest, obj: Asset | AssetVersion) -> bool:
    return may_reopen(Actor.from_request(request), obj)
