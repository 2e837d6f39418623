"""Inventory: every asset the requester may see, with stage, category, tier, owner, last approval
and next review — gathered in a fixed number of queries, whatever the inventory's size."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Max, Min, OuterRef, Q, Subquery

from governance.inventory.models import AssetVersion
from governance.reports.models import ReportScope
from governance.reports.scopes import ReportContext
from governance.reports.sections.base import Section, register
from lifecycle.models import StageTransition
from lifecycle.stages import ASSET, VERSION, AssetStage, VersionStage

# An approval is a version reaching "approved" or an asset proposal reaching "active".
APPROVALS = Q(transitions__kind=VERSION, transitions__target=VersionStage.APPROVED) | Q(
    transitions__kind=ASSET, transitions__target=AssetStage.ACTIVE
)


def _stages_as_of(ctx: ReportContext, asset_ids: list[int]) -> dict[int, str]:
    """Each asset's stage at the "as of" moment, from its transition rows (one query)."""
    stages: dict[int, str] = {}
    steps = StageTransition.objects.filter(kind=ASSET, asset_id__in=asset_ids, at__lte=ctx.moment)
    for asset_id, target in steps.order_by("at", "id").values_list("asset_id", "target"):
        stages[asset_id] = target
    return stages


def gather(ctx: ReportContext) -> dict[str, Any] | None:
    moment = ctx.moment
    latest_version = AssetVersion.objects.filter(asset=OuterRef("pk"), created_at__lte=moment).order_by(
        "-created_at"
    )
    assets = (
        ctx.assets()
        .select_related("team", "owner")
        .annotate(
            versions_count=Count("versions", filter=Q(versions__created_at__lte=moment), distinct=True),
            latest_label=Subquery(latest_version.values("label")[:1]),
            latest_stage=Subquery(latest_version.values("stage")[:1]),
            last_approval=Max("transitions__at", filter=APPROVALS & Q(transitions__at__lte=moment)),
            next_review=Min("versions__next_review_at"),
        )
        .order_by("name")
    )
    rows = list(assets)
    as_of_stages = _stages_as_of(ctx, [a.pk for a in rows]) if ctx.as_of is not None else {}
    by_stage: dict[str, int] = {}
    facts_rows = []
    for asset in rows:
        stage = as_of_stages.get(asset.pk, AssetStage.PROPOSED) if ctx.as_of is not None else asset.stage
        by_stage[stage] = by_stage.get(stage, 0) + 1
        facts_rows.append(
            {
                "slug": asset.slug,
                "name": asset.name,
                "kind": asset.kind,
                "team": asset.team.name,
                "stage": stage,
                "ai_act_category": asset.ai_act_category,
                "materiality_tier": asset.materiality_tier,
                "owner": str(asset.owner),
                "versions": asset.versions_count,
                "latest_version": asset.latest_label,
                # A version's stage "as of" is not worth a query per row; the latest label is shown.
                "latest_version_stage": asset.latest_stage if ctx.as_of is None else None,
                "last_approval": asset.last_approval,
                "next_review": asset.next_review if ctx.as_of is None else None,
            }
        )
    return {
        "rows": facts_rows,
        "total": len(facts_rows),
        "by_stage": by_stage,
        "complete": ctx.viewer.sees_everything,
    }


register(
    Section(
        "inventory",
        "Inventory",
        "reports/pdf/sections/inventory.html",
        15,
        gather,
        frozenset({ReportScope.INVENTORY}),
    )
)
