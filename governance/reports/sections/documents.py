"""Documents as approved: for each document of the scope, the revision the approval covered (or,
before any approval, the latest at the report's moment), with its SHA-256 and its content."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from governance.model_cards.models import Document, Revision
from governance.model_cards.sections import specs_of
from governance.reports.scopes import ReportContext
from governance.reports.sections.base import OBJECT_SCOPES, Section, register
from lifecycle.models import ApprovalRequest, RequestStatus


def _approved_at(ctx: ReportContext, document: Document) -> tuple[Any, int | None]:
    """When the approval covering this document closed (None if none had by the report's moment)."""
    target = (
        Q(version=document.version) if document.version_id else Q(asset=document.asset, version__isnull=True)
    )
    request = (
        ApprovalRequest.objects.filter(target, status=RequestStatus.APPROVED, closed_at__lte=ctx.moment)
        .order_by("-closed_at")
        .first()
    )
    return (request.closed_at, request.pk) if request else (None, None)


def _sections(revision: Revision) -> list[dict[str, Any]]:
    sections = []
    for spec in specs_of(revision.template_version.sections):
        value = revision.content.get(spec.key)
        sections.append(
            {
                "key": spec.key,
                "title": spec.title,
                "kind": str(spec.kind),
                "columns": list(spec.columns),
                "fields": [{"key": f.key, "label": f.label} for f in spec.fields],
                "value": value,
            }
        )
    return sections


def gather(ctx: ReportContext) -> dict[str, Any] | None:
    if ctx.asset is None:
        return None
    documents = (
        Document.objects.filter(Q(version__in=ctx.versions()) | Q(asset=ctx.asset, version__isnull=True))
        .filter(created_at__lte=ctx.moment)
        .select_related("version", "template__current_version")
        .order_by("version__created_at", "kind")
    )
    rows = []
    for document in documents:
        approved_at, request_id = _approved_at(ctx, document)
        cutoff = approved_at or ctx.moment
        revision = (
            document.revisions.filter(created_at__lte=cutoff)
            .select_related("template_version")
            .order_by("-number")
            .first()
        )
        if revision is None:
            continue
        rows.append(
            {
                "id": document.pk,
                "kind": document.get_kind_display(),
                "of": f"version {document.version.label}" if document.version else "asset",
                "template": revision.template_version.name,
                "revision": revision.number,
                "sha256": revision.sha256,
                "author": revision.author_name,
                "written_at": revision.created_at,
                "complete": revision.is_complete,
                "missing": revision.missing,
                "final": document.final_revision_id == revision.pk
                and (document.finalised_at is None or document.finalised_at <= ctx.moment),
                "approved_at": approved_at,
                "approval_request": request_id,
                "sections": _sections(revision),
            }
        )
    ctx.relate("model_cards.document", [r["id"] for r in rows])
    return {"documents": rows}


register(Section("documents", "Documents", "reports/pdf/sections/documents.html", 40, gather, OBJECT_SCOPES))
