"""Reports pages: request form and list with live status, report detail, download, verify by upload."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives import serialization
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from governance.accounts.models import User
from governance.audit import keys
from governance.audit.actors import Actor
from governance.reports.certificates import (
    CertificateError,
    certificate_fingerprint,
    fingerprint_display,
    load_certificate,
)
from governance.reports.forms import ReportRequestForm, VerifyUploadForm
from governance.reports.models import AuditReport, ReportStatus
from governance.reports.services import record_download, request_report, visible_reports
from governance.reports.verify import verify_report_bytes
from lifecycle.queries import visible_assets, visible_versions

PAGE_SIZE = 25


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _form(request: HttpRequest, data: Any = None, initial: Any = None) -> ReportRequestForm:
    user = _user(request)
    return ReportRequestForm(
        data, initial=initial, assets=visible_assets(user), versions=visible_versions(user)
    )


def _keys_context() -> dict[str, Any]:
    context: dict[str, Any] = {}
    try:
        context["checkpoint_fingerprint"] = keys.fingerprint_display()
    except keys.SigningKeyError:
        context["checkpoint_fingerprint"] = None
    try:
        context["certificate_fingerprint"] = fingerprint_display(certificate_fingerprint(load_certificate()))
    except CertificateError:
        context["certificate_fingerprint"] = None
    return context


@login_required
@require_GET
def report_list(request: HttpRequest) -> HttpResponse:
    reports = list(visible_reports(_user(request)).order_by("-requested_at")[:PAGE_SIZE])
    return render(
        request,
        "reports/list.html",
        {
            "reports": reports,
            "form": _form(request, initial=request.GET or None),
            "verify_form": VerifyUploadForm(),
            "polling": any(not r.is_finished for r in reports),
            **_keys_context(),
        },
    )


@login_required
@require_POST
def request_view(request: HttpRequest) -> HttpResponse:
    form = _form(request, request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            report = request_report(
                actor=Actor.from_request(request),
                scope=data["scope"],
                version_id=data["version"].pk if data["version"] else None,
                asset_id=data["asset"].pk if data["asset"] else None,
                events_from=data["events_from"],
                events_until=data["events_until"],
                as_of=data["as_of"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request, "Report requested: it is being prepared and will appear as done when ready."
            )
            return redirect(report)
    reports = list(visible_reports(_user(request)).order_by("-requested_at")[:PAGE_SIZE])
    return render(
        request,
        "reports/list.html",
        {
            "reports": reports,
            "form": form,
            "verify_form": VerifyUploadForm(),
            "polling": any(not r.is_finished for r in reports),
            **_keys_context(),
        },
        status=400,
    )


def _report(request: HttpRequest, report_id: Any) -> AuditReport:
    return get_object_or_404(visible_reports(_user(request)), pk=report_id)


@login_required
@require_GET
def detail_view(request: HttpRequest, report_id: Any) -> HttpResponse:
    report = _report(request, report_id)
    return render(request, "reports/detail.html", {"report": report, **_keys_context()})


@login_required
@require_GET
def status_view(request: HttpRequest, report_id: Any) -> HttpResponse:
    """The status fragment htmx polls while the report renders (it stops polling once finished)."""
    report = _report(request, report_id)
    template = "reports/_row.html" if request.GET.get("row") else "reports/_status.html"
    return render(request, template, {"report": report})


@login_required
@require_GET
def download_view(request: HttpRequest, report_id: Any) -> FileResponse:
    report = _report(request, report_id)
    if report.status != ReportStatus.DONE:
        raise Http404("The report is not ready.")
    record_download(report, actor=Actor.from_request(request))
    response = FileResponse(
        default_storage.open(report.file_name, "rb"),
        content_type="application/pdf",
        as_attachment=True,
        filename=report.download_name,
    )
    response["X-Content-SHA256"] = report.sha256
    return response


@login_required
@require_http_methods(["GET", "POST"])
def verify_view(request: HttpRequest) -> HttpResponse:
    form = VerifyUploadForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read()
        result = verify_report_bytes(data, public_key=keys.load_public_key(), live=True)
    status = 400 if request.method == "POST" and not form.is_valid() else 200
    return render(
        request, "reports/verify.html", {"form": form, "result": result, **_keys_context()}, status=status
    )


@require_GET
def certificate_view(request: HttpRequest) -> HttpResponse:
    """The report signing certificate (public), for readers that want to trust or pin it."""
    try:
        pem = load_certificate().public_bytes(serialization.Encoding.PEM)
    except CertificateError as exc:
        raise Http404("No report certificate is configured.") from exc
    response = HttpResponse(pem, content_type="application/x-pem-file")
    response["Content-Disposition"] = 'attachment; filename="steward-report-certificate.pem"'
    return response
