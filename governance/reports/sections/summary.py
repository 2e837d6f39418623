"""Summary: the asset (and version) at the report's moment, open findings and overdue reviews."""

from __future__ import annotations

from typing import Any

from governance.inventory.models import Asset, AssetVersion
from governance.oversight.models import UNRESOLVED_STATUSES, Finding
from governance.reports.scopes import ReportContext, fields_as_of
from governance.reports.sections.base import OBJECT_SCOPES, Section, register
from governance.reports.sections.findings import statuses_as_of
from lifecycle.queries import stage_at

ASSET_FIELDS = (
    "name",
    "kind",
    "purpose",
    "intended_use",
    "intended_users",
    "out_of_scope_uses",
    "ai_act_category",
    "materiality_tier",
    "vendor",
)
VERSION_FIELDS = (
    "label",
    "description",
    "source_registry",
    "registry_ref",
    "run_id",
    "artifact_uri",
    "artifact_digest",
    "code_commit",
    "training_data_refs",
    "hyperparameters",
    "metrics",
)


def stage_of(obj: Asset | AssetVersion, ctx: ReportContext) -> str | None:
    return stage_at(obj, ctx.as_of) if ctx.as_of is not None else obj.stage


def asset_facts(asset: Asset, ctx: ReportContext) -> dict[str, Any]:
    values = fields_as_of(asset, ASSET_FIELDS, ctx.as_of)
    return values | {
        "slug": asset.slug,
        "team": asset.team.name,
        "owner": str(asset.owner),
        "stage": stage_of(asset, ctx),
        "ai_act_category_label": Asset(
            ai_act_category=values["ai_act_category"]
        ).get_ai_act_category_display(),
        "tier_label": Asset(materiality_tier=values["materiality_tier"]).get_materiality_tier_display(),
    }


def version_facts(version: AssetVersion, ctx: ReportContext) -> dict[str, Any]:
    values = fields_as_of(version, VERSION_FIELDS, ctx.as_of)
    return values | {
        "id": version.pk,
        "stage": stage_of(version, ctx),
        "registered_at": version.created_at,
        "validator": str(version.validator) if version.validator else None,
        "next_review_at": version.next_review_at if ctx.as_of is None else None,
    }


def open_findings(ctx: ReportContext) -> dict[str, Any]:
    qs = Finding.objects.filter(asset__in=ctx.assets(), created_at__lte=ctx.moment)
    if ctx.version is not None:
        qs = qs.filter(version=ctx.version)
    findings = list(qs)
    statuses = statuses_as_of(ctx, findings)
    by_severity: dict[str, int] = {}
    for finding in findings:
        status = statuses.get(finding.pk, finding.status)
        if status in UNRESOLVED_STATUSES:
            by_severity[finding.severity] = by_severity.get(finding.severity, 0) + 1
    return {"total": sum(by_severity.values()), "by_severity": by_severity}


def overdue_reviews(ctx: ReportContext) -> list[dict[str, Any]]:
    if ctx.as_of is not None:
        return []  # review schedules are not kept as history; shown for current reports only
    overdue = ctx.versions().filter(next_review_at__lt=ctx.moment).select_related("asset")
    return [{"version": str(v), "due": v.next_review_at} for v in overdue]


def gather(ctx: ReportContext) -> dict[str, Any] | None:
    if ctx.asset is None:
        return None
    facts: dict[str, Any] = {"asset": asset_facts(ctx.asset, ctx)}
    if ctx.version is not None:
        facts["version"] = version_facts(ctx.version, ctx)
    else:
        facts["versions"] = [
            {
                "label": v.label,
                "stage": stage_of(v, ctx),
                "registered_at": v.created_at,
                "next_review_at": v.next_review_at if ctx.as_of is None else None,
            }
            for v in ctx.versions().order_by("created_at")
        ]
    facts["open_findings"] = open_findings(ctx)
    facts["overdue_reviews"] = overdue_reviews(ctx)
    facts["reviews_reconstructed"] = ctx.as_of is None
    return facts


register(Section("summary", "Summary", "reports/pdf/sections/summary.html", 10, gather, OBJECT_SCOPES))
