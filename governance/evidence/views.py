"""Evidence pages: a version's evidence with the upload form, supersede, and the permission-checked
download. Versions resolve among those the viewer may see (404 otherwise)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.views.decorators.http import require_POST

from governance.accounts.models import User
from governance.audit.actors import Actor
from governance.evidence import services
from governance.evidence.api.views import MULTIPART_SLACK, evidence_download
from governance.evidence.models import Evidence, EvidenceKind
from governance.evidence.queries import version_evidence
from governance.inventory.errors import FrozenError
from governance.inventory.models import AssetVersion
from lifecycle.queries import visible_versions


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _version(request: HttpRequest, pk: int) -> AssetVersion:
    return get_object_or_404(visible_versions(_user(request)).select_related("asset"), pk=pk)


def _evidence(request: HttpRequest, pk: int) -> Evidence:
    return get_object_or_404(
        Evidence.objects.filter(version__in=visible_versions(_user(request))).select_related(
            "version", "asset"
        ),
        pk=pk,
    )


def upload_context(request: HttpRequest, version: AssetVersion) -> dict[str, object]:
    """What the upload form needs (shared with the version-page panel)."""
    return {
        "may_upload": services.upload_refusal(_user(request), version) is None,
        "kinds": EvidenceKind.choices,
        "max_size": filesizeformat(settings.STEWARD_EVIDENCE_MAX_BYTES),
    }


@login_required
def version_evidence_page(request: HttpRequest, version_id: int) -> HttpResponse:
    version = _version(request, version_id)
    items = list(version_evidence(version))
    return render(
        request,
        "evidence/version_evidence.html",
        {
            "version": version,
            "asset": version.asset,
            "items": items,
            **upload_context(request, version),
        },
    )


@login_required
@require_POST
def upload(request: HttpRequest, version_id: int) -> HttpResponse:
    version = _version(request, version_id)
    back = request.POST.get("next") or ""
    target = back if back.startswith("/") and not back.startswith("//") else version.get_absolute_url()
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > settings.STEWARD_EVIDENCE_MAX_BYTES + MULTIPART_SLACK:
        messages.error(
            request,
            f"The upload is larger than the limit of {filesizeformat(settings.STEWARD_EVIDENCE_MAX_BYTES)}.",
        )
        return redirect(target)
    supersedes = request.POST.get("supersedes", "")
    try:
        older = _evidence(request, int(supersedes)) if supersedes.isdigit() else None
        file = request.FILES.get("file")
        if file is None:
            raise ValidationError({"file": "Choose a file to upload."})
        evidence = services.upload_evidence(
            actor=Actor.from_request(request),
            version=version,
            file=file,
            label=request.POST.get("label", ""),
            kind=request.POST.get("kind", ""),
            supersedes=older,
        )
    except (ValidationError, PermissionDenied, FrozenError) as exc:
        for error in exc.messages if isinstance(exc, ValidationError) else [str(exc)]:
            messages.error(request, f"Upload refused: {error}")
    else:
        messages.success(request, f"Uploaded “{evidence.label}” (sha256 {evidence.sha256[:12]}…).")
    return redirect(target)


@login_required
@require_POST
def supersede(request: HttpRequest, pk: int) -> HttpResponse:
    evidence = _evidence(request, pk)
    try:
        services.supersede_evidence(
            actor=Actor.from_request(request), evidence=evidence, reason=request.POST.get("reason", "")
        )
    except (ValidationError, PermissionDenied, FrozenError) as exc:
        for error in exc.messages if isinstance(exc, ValidationError) else [str(exc)]:
            messages.error(request, error)
    else:
        messages.success(request, f"“{evidence.label}” is marked superseded; it is kept.")
    return redirect("evidence:version", version_id=evidence.version_id)


@login_required
def download(request: HttpRequest, pk: int) -> FileResponse:
    """Only someone who may see the version gets the file (404 otherwise); each download is audited."""
    return evidence_download(_evidence(request, pk), Actor.from_request(request))
