"""Bias reviews: protected attributes, thresholds, per-attribute fairness results and per-group
metrics, the verdict and its sign-off (a review not yet signed at the report's moment says so)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch

from governance.bias_reviews.models import AttributeResult, BiasReview, GroupMetric
from governance.reports.scopes import ReportContext
from governance.reports.sections.base import OBJECT_SCOPES, Section, register


def gather(ctx: ReportContext) -> dict[str, Any] | None:
    if ctx.asset is None:
        return None
    groups = Prefetch("groups", queryset=GroupMetric.objects.order_by("position"))
    results = Prefetch(
        "results", queryset=AttributeResult.objects.order_by("position").prefetch_related(groups)
    )
    reviews = (
        BiasReview.objects.filter(version__in=ctx.versions(), created_at__lte=ctx.moment)
        .select_related("version")
        .prefetch_related(results)
        .order_by("version__created_at", "created_at")
    )
    rows = []
    for review in reviews:
        signed = review.signed_at is not None and review.signed_at <= ctx.moment
        recorded = review.metrics_recorded_at is not None and review.metrics_recorded_at <= ctx.moment
        rows.append(
            {
                "id": review.pk,
                "version": review.version.label,
                "protected_attributes": review.protected_attributes,
                "evaluation_data": review.evaluation_data,
                "thresholds": review.thresholds,
                "threshold_source": review.threshold_source,
                "thresholds_met": review.thresholds_met if recorded else None,
                "verdict": review.get_verdict_display() if signed else "",
                "mitigation_plan": review.mitigation_plan if signed else "",
                "reviewer": review.reviewer_name if signed else "",
                "signed_at": review.signed_at if signed else None,
                "results": [
                    {
                        "attribute": r.attribute,
                        "intersectional": r.intersectional,
                        "demographic_parity_difference": r.demographic_parity_difference,
                        "demographic_parity_ratio": r.demographic_parity_ratio,
                        "equalized_odds_difference": r.equalized_odds_difference,
                        "meets_thresholds": r.meets_thresholds,
                        "failures": r.failures,
                        "groups": [
                            {
                                "group": g.group,
                                "count": g.count,
                                "positives": g.positives,
                                "selection_rate": g.selection_rate,
                                "true_positive_rate": g.true_positive_rate,
                                "false_positive_rate": g.false_positive_rate,
                                "accuracy": g.accuracy,
                                "meets_threshold": g.meets_threshold,
                            }
                            for g in r.groups.all()
                        ],
                    }
                    for r in (review.results.all() if recorded else [])
                ],
            }
        )
    ctx.relate("bias_reviews.biasreview", [r["id"] for r in rows])
    return {"reviews": rows}


register(Section("bias", "Bias reviews", "reports/pdf/sections/bias.html", 60, gather, OBJECT_SCOPES))
