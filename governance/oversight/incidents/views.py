"""Incident pages: the register (overdue reports flagged), an incident with its countdown and forms,
opening one from an asset or version, and the incident kinds (administrators edit them).

Views are edges: incidents are resolved among those on assets the viewer may see (lifecycle.queries);
every write goes through governance.oversight.incidents.services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from governance.accounts.models import User
from governance.accounts.roles import Role
from governance.audit.actors import Actor
from governance.audit.queries import events_about
from governance.inventory.models import Asset, AssetVersion
from governance.oversight.errors import IncidentConflict
from governance.oversight.incidents import files, kinds, services
from governance.oversight.incidents.deadlines import countdown
from governance.oversight.incidents.forms import (
    IncidentFileForm,
    IncidentFilterForm,
    IncidentForm,
    IncidentKindForm,
    IncidentUpdateForm,
    ReportSentForm,
)
from governance.oversight.incidents.queries import filter_incidents, with_related
from governance.oversight.models.findings import Finding
from governance.oversight.models.incidents import Incident, IncidentFile, IncidentFilePurpose, IncidentKind
from governance.web.forms import add_service_errors
from governance.web.tables import paginate
from lifecycle.queries import visible_assets, visible_versions


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def visible_incidents(user: User) -> QuerySet[Incident]:
    return Incident.objects.filter(asset__in=visible_assets(user))


@login_required
def incident_list(request: HttpRequest) -> HttpResponse:
    """Incidents on assets the viewer may see, newest first; filters; overdue reports flagged."""
    form = IncidentFilterForm(request.GET or None)
    qs = with_related(visible_incidents(_user(request)))
    if form.is_valid():
        data = form.cleaned_data
        status = data["status"]
        qs = filter_incidents(
            qs,
            status=status if status not in ("", "active") else None,
            active=True if status == "active" else None,
            kind=data["kind"].slug if data["kind"] else None,
            severity=data["severity"] or None,
            overdue=True if data["overdue"] else None,
            pending=True if data["pending"] else None,
            asset=data["asset"] or None,
            version=data["version"],
        )
    page = paginate(request, qs.order_by("-detected_at", "-pk"))
    now = timezone.now()
    rows = [(incident, _countdown(incident, now)) for incident in page]
    return render(request, "oversight/incidents/list.html", {"form": form, "page": page, "rows": rows})


def _countdown(incident: Incident, now: Any) -> Any:
    if incident.report_due_at is None or incident.reported_at is not None:
        return None
    return countdown(incident.report_due_at, now)


def _target(request: HttpRequest, kind: str, pk: int) -> tuple[Asset, AssetVersion | None]:
    user = _user(request)
    if kind == "version":
        version = get_object_or_404(visible_versions(user).select_related("asset"), pk=pk)
        return version.asset, version
    if kind == "asset":
        return get_object_or_404(visible_assets(user), pk=pk), None
    raise PermissionDenied("Incidents are opened on an asset or a version.")


@login_required
def incident_create(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Open an incident on a visible asset or version (owners, validators, approvers, compliance, admins)."""
    asset, version = _target(request, kind, pk)
    if not services.may_handle_incidents(_user(request), asset):
        raise PermissionDenied(
            "Only the asset's owners, validators, approvers and compliance open incidents."
        )
    findings = Finding.objects.filter(asset=asset).order_by("-created_at")
    form = IncidentForm(request.POST or None, findings=findings)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            incident = services.open_incident(
                actor=Actor.from_request(request),
                asset=asset,
                version=version,
                kind=data["kind"],
                severity=data["severity"],
                title=data["title"],
                description=data["description"],
                detected_at=data["detected_at"],
                findings=data.get("findings") or [],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{incident.reference} was opened.")
            return redirect(incident)
    status = 400 if form.errors else 200
    context = {"form": form, "asset": asset, "version": version}
    return render(request, "oversight/incidents/form.html", context, status=status)


def _detail(request: HttpRequest, incident: Incident, status: int = 200, **forms: Any) -> HttpResponse:
    user = _user(request)
    may_handle = services.may_handle_incidents(user, incident.asset) and incident.is_active
    update_form = forms.get("update_form") or IncidentUpdateForm(
        asset=incident.asset,
        initial={
            "status": incident.status,
            "severity": incident.severity,
            "kind": incident.kind_id,
            "description": incident.description,
            "resolution": incident.resolution,
            "findings": [f.pk for f in incident.findings.all()],
            "evidence": list(incident.evidence.values_list("pk", flat=True)),
        },
    )
    report_form = forms.get("report_form") or ReportSentForm(
        initial={"sent_at": timezone.now().replace(second=0, microsecond=0)}
    )
    context = {
        "incident": incident,
        "left": _countdown(incident, timezone.now()),
        "update_form": update_form if may_handle else None,
        "report_form": report_form
        if incident.reported_at is None and services.may_record_report(user, incident.asset)
        else None,
        "files": list(incident.files.all()),
        "file_form": (forms.get("file_form") or IncidentFileForm()) if may_handle else None,
        "events": list(events_about(incident)[:20]),
        "problems": forms.get("problems", []),
    }
    return render(request, "oversight/incidents/detail.html", context, status=status)


@login_required
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the incident. POST `action` = update | report, each through its service."""
    incident = get_object_or_404(with_related(visible_incidents(_user(request))), pk=pk)
    if request.method != "POST":
        return _detail(request, incident)
    actor = Actor.from_request(request)
    action = request.POST.get("action")
    if action == "attach":
        file_form = IncidentFileForm(request.POST, request.FILES)
        if not file_form.is_valid():
            return _detail(request, incident, 400, file_form=file_form)
        try:
            files.attach_incident_file(
                actor=actor,
                incident=incident,
                file=file_form.cleaned_data["file"],
                label=file_form.cleaned_data["label"],
                purpose=IncidentFilePurpose.EVIDENCE,
            )
        except ValidationError as error:
            add_service_errors(file_form, error)
            return _detail(request, incident, 400, file_form=file_form)
        messages.success(request, f"The file was attached to {incident.reference}.")
        return redirect(incident)
    if action == "report":
        report_form = ReportSentForm(request.POST, request.FILES)
        if not report_form.is_valid():
            return _detail(request, incident, 400, report_form=report_form)
        try:
            services.record_report_sent(
                actor=actor,
                incident=incident,
                sent_at=report_form.cleaned_data["sent_at"],
                recipient=report_form.cleaned_data["recipient"],
                reference=report_form.cleaned_data["reference"],
                notes=report_form.cleaned_data["notes"],
                file=report_form.cleaned_data.get("copy"),
            )
        except ValidationError as error:
            add_service_errors(report_form, error)
            return _detail(request, incident, 400, report_form=report_form)
        except IncidentConflict as error:
            return _detail(request, incident, 409, problems=error.reasons)
        messages.success(request, f"The report on {incident.reference} was recorded.")
        return redirect(incident)
    update_form = IncidentUpdateForm(request.POST, asset=incident.asset)
    if not update_form.is_valid():
        return _detail(request, incident, 400, update_form=update_form)
    try:
        services.update_incident(actor=actor, incident=incident, **update_form.cleaned_data)
    except ValidationError as error:
        add_service_errors(update_form, error)
        return _detail(request, incident, 400, update_form=update_form)
    except IncidentConflict as error:
        return _detail(request, incident, 409, update_form=update_form, problems=error.reasons)
    messages.success(request, f"{incident.reference} was updated.")
    return redirect(incident)


@login_required
def kind_list(request: HttpRequest) -> HttpResponse:
    """Incident kinds and their reporting deadlines; administrators may add and change them."""
    kinds = IncidentKind.objects.order_by("-reportable", "report_within_days", "name")
    context = {"kinds": kinds, "is_admin": _user(request).has_role(Role.ADMIN)}
    return render(request, "oversight/incidents/kinds.html", context)


@login_required
def kind_edit(request: HttpRequest, slug: str | None = None) -> HttpResponse:
    """Add (no slug) or change an incident kind: administrators only; running deadlines keep their dates."""
    if not _user(request).has_role(Role.ADMIN):
        raise PermissionDenied("Only administrators edit incident kinds.")
    kind = get_object_or_404(IncidentKind, slug=slug) if slug else None
    form = IncidentKindForm(request.POST or None, instance=kind)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items() if k != "slug"}
        try:
            saved = kinds.save_incident_kind(
                actor=Actor.from_request(request), kind=kind, slug=form.cleaned_data.get("slug", ""), **fields
            )
        except ValidationError as error:
            add_service_errors(form, error)  # type: ignore[arg-type]  # a ModelForm is a form
        else:
            messages.success(request, f"The incident kind “{saved.name}” was saved.")
            return redirect("oversight:incident_kinds")
    status = 400 if form.errors else 200
    return render(request, "oversight/incidents/kind_form.html", {"form": form, "kind": kind}, status=status)


@login_required
def incident_file(request: HttpRequest, pk: int, file_pk: int) -> FileResponse:
    """Download a file of a visible incident (as an attachment, with its recorded type); audited."""
    incident = get_object_or_404(visible_incidents(_user(request)), pk=pk)
    attached = get_object_or_404(IncidentFile, pk=file_pk, incident=incident)
    files.record_file_download(actor=Actor.from_request(request), attached=attached)
    response = FileResponse(
        attached.file.open("rb"),
        as_attachment=True,
        filename=attached.original_name,
        content_type=attached.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
