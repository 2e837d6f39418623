"""Findings pages: the register with filters, a finding with its comments, links and status changes,
and raising one from an asset or version page. Views are edges: visibility comes from lifecycle."""

from __future__ import annotations

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from governance.accounts.models import User
from governance.audit.actors import Actor
from governance.inventory.models import Asset, AssetVersion
from governance.oversight import findings as services
from governance.oversight.findings_forms import (
    CommentForm,
    FindingEditForm,
    FindingFilterForm,
    FindingForm,
    LinkForm,
    StatusForm,
)
from governance.oversight.models import UNRESOLVED_STATUSES, Finding, FindingStatus
from lifecycle.queries import visible_assets, visible_versions


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def visible_findings(user: User) -> QuerySet[Finding]:
    return Finding.objects.filter(asset__in=visible_assets(user))


def _form_errors(form: object, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)  # type: ignore[attr-defined]


@login_required
def finding_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = FindingFilterForm(request.GET or None)
    qs = visible_findings(user)
    if form.is_valid():
        data = form.cleaned_data
        if data["status"] == "unresolved":
            qs = qs.filter(status__in=UNRESOLVED_STATUSES)
        elif data["status"]:
            qs = qs.filter(status=data["status"])
        if data["severity"]:
            qs = qs.filter(severity=data["severity"])
        if data["mine"]:
            qs = qs.filter(owner=user)
        if data["overdue"]:
            qs = qs.filter(status__in=UNRESOLVED_STATUSES, due_date__lt=timezone.now().date())
    qs = qs.select_related("asset", "version", "owner").order_by("-created_at", "-pk")
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    return render(
        request, "oversight/findings/list.html", {"form": form, "page": page, "today": timezone.now().date()}
    )


def _detail(request: HttpRequest, finding: Finding, status: int = 200, **forms: object) -> HttpResponse:
    actor = Actor.from_request(request)
    moves = [
        s for s in FindingStatus.values
        if s in services.STATUS_MOVES[finding.status]
        and not services.status_change_reasons(actor, finding, s)
    ]  # fmt: skip
    status_form = forms.get("status_form") or StatusForm(initial={"status": moves[0] if moves else ""})
    status_form.fields["status"].choices = [(s, FindingStatus(s).label) for s in moves]  # type: ignore[attr-defined]
    edit_form = forms.get("edit_form") or FindingEditForm(
        initial={
            "title": finding.title,
            "description": finding.description,
            "severity": finding.severity,
            "due_date": finding.due_date,
            "owner": finding.owner_id,
        }
    )
    context = {
        "finding": finding,
        "comments": list(finding.comments.all()),
        "links": list(finding.links.all()),
        "status_form": status_form if moves else None,
        "comment_form": forms.get("comment_form") or CommentForm(),
        "edit_form": edit_form if services.may_edit(actor, finding) else None,
        "link_form": forms.get("link_form") or LinkForm(),
        "today": timezone.now().date(),
    }
    return render(request, "oversight/findings/detail.html", context, status=status)


def _linkable(user: User, kind: str, pk: int) -> Model:
    if kind == "version":
        return get_object_or_404(visible_versions(user), pk=pk)
    try:
        evidence_model = apps.get_model("evidence", "Evidence")
    except LookupError as exc:
        raise Http404("Evidence files are not available in this installation.") from exc
    version_ids = visible_versions(user).values("pk")
    return get_object_or_404(evidence_model.objects.filter(version__in=version_ids), pk=pk)


@login_required
def finding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the finding. POST `action` = status | comment | edit | link, each through its service."""
    user = _user(request)
    finding = get_object_or_404(visible_findings(user).select_related("asset", "version", "owner"), pk=pk)
    if request.method != "POST":
        return _detail(request, finding)
    actor = Actor.from_request(request)
    action = request.POST.get("action")
    form: StatusForm | CommentForm | FindingEditForm | LinkForm
    try:
        if action == "status":
            form = StatusForm(request.POST)
            if form.is_valid():
                services.change_finding_status(
                    actor=actor,
                    finding=finding,
                    status=form.cleaned_data["status"],
                    note=form.cleaned_data["note"],
                    accepted_until=form.cleaned_data["accepted_until"],
                )
                messages.success(request, "The status was changed.")
                return redirect(finding.get_absolute_url())
            return _detail(request, finding, 400, status_form=form)
        if action == "comment":
            form = CommentForm(request.POST)
            if form.is_valid():
                services.comment_on_finding(actor=actor, finding=finding, body=form.cleaned_data["body"])
                return redirect(finding.get_absolute_url() + "#comments")
            return _detail(request, finding, 400, comment_form=form)
        if action == "edit":
            form = FindingEditForm(request.POST)
            if form.is_valid():
                services.update_finding(actor=actor, finding=finding, **form.cleaned_data)
                messages.success(request, "The finding was updated.")
                return redirect(finding.get_absolute_url())
            return _detail(request, finding, 400, edit_form=form)
        if action == "link":
            form = LinkForm(request.POST)
            if form.is_valid():
                target = _linkable(user, form.cleaned_data["kind"], form.cleaned_data["object_id"])
                services.link_to_finding(actor=actor, finding=finding, obj=target)
                return redirect(finding.get_absolute_url() + "#links")
            return _detail(request, finding, 400, link_form=form)
    except ValidationError as exc:
        _form_errors(form, exc)
        return _detail(request, finding, 400, **{f"{action}_form": form})
    raise Http404("Unknown action.")


@login_required
def finding_create(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Raise a finding about an asset or one of its versions."""
    user = _user(request)
    version: AssetVersion | None = None
    if kind == "version":
        version = get_object_or_404(visible_versions(user).select_related("asset"), pk=pk)
        asset = version.asset
    elif kind == "asset":
        asset = get_object_or_404(visible_assets(user), pk=pk)
    else:
        raise Http404("Unknown kind of object.")
    actor = Actor.from_request(request)
    if not services.may_raise(actor, asset):
        raise PermissionDenied("You may not raise findings about this asset.")
    form = FindingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            finding = services.raise_finding(actor=actor, asset=asset, version=version, **form.cleaned_data)
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "The finding was raised.")
            return redirect(finding.get_absolute_url())
    subject: Asset | AssetVersion = version or asset
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "oversight/findings/form.html",
        {"form": form, "subject": subject, "asset": asset},
        status=status,
    )
