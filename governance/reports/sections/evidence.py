"""Evidence: every file attached to the scope's versions, with its SHA-256, size, type and uploader."""

from __future__ import annotations

from typing import Any

from governance.evidence.models import Evidence
from governance.reports.scopes import ReportContext
from governance.reports.sections.base import OBJECT_SCOPES, Section, register


def gather(ctx: ReportContext) -> dict[str, Any] | None:
    if ctx.asset is None:
        return None
    items = (
        Evidence.objects.filter(version__in=ctx.versions(), uploaded_at__lte=ctx.moment)
        .select_related("version")
        .order_by("version__created_at", "uploaded_at", "id")
    )
    rows = [
        {
            "id": e.pk,
            "label": e.label,
            "kind": e.get_kind_display(),
            "version": e.version.label,
            "file_name": e.original_name,
            "content_type": e.content_type,
            "size": e.size,
            "sha256": e.sha256,
            "uploaded_by": e.uploaded_by_name,
            "uploaded_at": e.uploaded_at,
            "superseded": e.superseded_at is not None and e.superseded_at <= ctx.moment,
            "superseded_reason": e.superseded_reason
            if e.superseded_at and e.superseded_at <= ctx.moment
            else "",
        }
        for e in items
    ]
    ctx.relate("evidence.evidence", [r["id"] for r in rows])
    return {"rows": rows}


register(Section("evidence", "Evidence", "reports/pdf/sections/evidence.html", 50, gather, OBJECT_SCOPES))
