"""Bias review services: create (thresholds copied in), edit, record metrics, sign off.

Reviews are written by the version's claiming validator (DESIGN §1). Each write locks the version
first (as transition() does, so the review digest is read consistently), then the review, and
records its audit event last. A signed review never changes; a new review starts a re-review.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from governance.accounts.models import User
from governance.accounts.roles import Role
from governance.audit.actors import Actor, ActorKind
from governance.audit.event_types import AuditAction
from governance.audit.hashing import canonical_json
from governance.audit.ledger import record_event
from governance.bias_reviews.errors import BiasReviewConflict
from governance.bias_reviews.fairness import AttributeStats, judge, overall_met
from governance.bias_reviews.models import (
    AttributeResult,
    BiasReview,
    GroupMetric,
    MetricsSource,
    PredictionsFile,
    Verdict,
)
from governance.bias_reviews.thresholds import Thresholds, thresholds_for
from governance.inventory.errors import FrozenError
from governance.inventory.models import AssetVersion
from lifecycle.stages import FROZEN_VERSION_STAGES

MAX_ATTRIBUTES = 10


def review_refusal(user: User | None, version: AssetVersion) -> str | None:
    """Why `user` may not write the version's bias review; only its claiming validator may."""
    if user is None or not user.is_active:
        return "Only a signed-in person may write a bias review."
    if not user.has_role(Role.VALIDATOR) or version.validator_id != user.pk:
        return f"Only the validator who claimed version {version.label} may write its bias review."
    return None


def require_reviewer(actor: Actor, version: AssetVersion) -> None:
    if actor.kind == ActorKind.SYSTEM:
        return
    if actor.is_integration:
        raise PermissionDenied("Integration tokens cannot write bias reviews.")
    refusal = review_refusal(actor.user, version)
    if refusal:
        raise PermissionDenied(refusal)


def check_writable(version: AssetVersion) -> None:
    if version.stage in FROZEN_VERSION_STAGES:
        raise FrozenError(
            f"Version {version.label} is {version.get_stage_display().lower()}: its bias review is read-only."
        )


def lock_review(review: BiasReview) -> BiasReview:
    """Lock the version, then the review (same order as transition(): version first)."""
    AssetVersion.objects.select_for_update().filter(pk=review.version_id).first()
    return (
        BiasReview.objects.select_for_update(of=("self",))
        .select_related("version", "asset")
        .get(pk=review.pk)
    )


def check_open(review: BiasReview) -> None:
    if review.is_signed:
        raise BiasReviewConflict(
            "This bias review is signed off and can no longer change.",
            ["Start a new bias review of the version to review it again."],
        )


def _attributes(raw: Any) -> list[str]:
    if not isinstance(raw, list) or not raw:
        raise ValidationError({"protected_attributes": "Name at least one protected attribute."})
    names = [str(a).strip() for a in raw]
    if any(not n or len(n) > 100 for n in names):
        raise ValidationError({"protected_attributes": "Attribute names must be 1 to 100 characters."})
    if len(set(names)) != len(names):
        raise ValidationError({"protected_attributes": "Attribute names must be distinct."})
    if len(names) > MAX_ATTRIBUTES:
        raise ValidationError({"protected_attributes": f"At most {MAX_ATTRIBUTES} protected attributes."})
    return names


@transaction.atomic
def create_bias_review(
    *,
    actor: Actor,
    version: AssetVersion,
    protected_attributes: list[str],
    evaluation_data: str,
    thresholds: Thresholds | None = None,
) -> BiasReview:
    """Open a bias review of `version` with thresholds copied from its matching policy (or the defaults).

    One open (unsigned) review per version. Audit: `bias_review.created` with the thresholds.
    """
    version = AssetVersion.objects.select_for_update().select_related("asset").get(pk=version.pk)
    require_reviewer(actor, version)
    check_writable(version)
    names = _attributes(protected_attributes)
    if not (evaluation_data or "").strip():
        raise ValidationError({"evaluation_data": "Describe the evaluation data."})
    chosen = thresholds or thresholds_for(version)
    review = BiasReview(
        asset=version.asset,
        version=version,
        protected_attributes=names,
        evaluation_data=evaluation_data.strip(),
        thresholds=chosen.as_json(),
        threshold_source=chosen.source[:200],
        created_by=actor.user or version.asset.owner,
    )
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError as exc:
        raise BiasReviewConflict(
            f"Version {version.label} already has a bias review in progress.",
            ["Finish and sign off the open review first."],
        ) from exc
    record_event(
        AuditAction.BIAS_REVIEW_CREATED,
        actor=actor,
        obj=review,
        payload={
            "asset": version.asset.slug,
            "version": version.label,
            "new": {
                "protected_attributes": names,
                "thresholds": review.thresholds,
                "threshold_source": review.threshold_source,
            },
        },
    )
    return review


@transaction.atomic
def update_bias_review(
    *,
    actor: Actor,
    review: BiasReview,
    protected_attributes: list[str] | None = None,
    evaluation_data: str | None = None,
    mitigation_plan: str | None = None,
) -> BiasReview:
    """Edit an open review's description; changing the attributes clears metrics that no longer fit."""
    review = lock_review(review)
    require_reviewer(actor, review.version)
    check_writable(review.version)
    check_open(review)
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    if protected_attributes is not None:
        names = _attributes(protected_attributes)
        if names != review.protected_attributes:
            old["protected_attributes"], new["protected_attributes"] = review.protected_attributes, names
            review.protected_attributes = names
            if review.results.exists():
                review.results.all().delete()
                review.metrics_source, review.metrics_sha256 = MetricsSource.NONE, ""
                review.metrics_recorded_at, review.thresholds_met = None, None
                new["metrics_cleared"] = True
    if evaluation_data is not None:
        if not evaluation_data.strip():
            raise ValidationError({"evaluation_data": "Describe the evaluation data."})
        if evaluation_data.strip() != review.evaluation_data:
            old["evaluation_data"], new["evaluation_data"] = review.evaluation_data, evaluation_data.strip()
            review.evaluation_data = evaluation_data.strip()
    if mitigation_plan is not None and mitigation_plan.strip() != review.mitigation_plan:
        old["mitigation_plan"], new["mitigation_plan"] = review.mitigation_plan, mitigation_plan.strip()
        review.mitigation_plan = mitigation_plan.strip()
    if not new:
        return review
    review.updated_at = timezone.now()
    review.save()
    record_event(AuditAction.BIAS_REVIEW_UPDATED, actor=actor, obj=review, payload={"old": old, "new": new})
    return review


def _stats_json(stats: AttributeStats, judgement: Any, *, with_groups: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {
        "attribute": stats.attribute,
        "intersectional": stats.intersectional,
        "demographic_parity_difference": stats.demographic_parity_difference,
        "demographic_parity_ratio": stats.demographic_parity_ratio,
        "equalized_odds_difference": stats.equalized_odds_difference,
        "meets_thresholds": judgement.meets,
        "failures": judgement.failures,
        "group_count": len(stats.groups),
    }
    if with_groups:
        data["groups"] = [
            {
                "group": g.group,
                "count": g.count,
                "positives": g.positives,
                "selection_rate": g.selection_rate,
                "true_positive_rate": g.true_positive_rate,
                "false_positive_rate": g.false_positive_rate,
                "accuracy": g.accuracy,
                "meets_threshold": judgement.group_marks[g.group],
            }
            for g in stats.groups
        ]
    return data


def store_metrics(
    review: BiasReview,
    attributes: list[AttributeStats],
    *,
    source: str,
    actor: Actor,
    predictions: PredictionsFile | None = None,
) -> BiasReview:
    """Replace the review's results (inside the caller's transaction, review locked); audit last."""
    thresholds = Thresholds.from_mapping(review.thresholds, review.threshold_source)
    judged = [(stats, judge(stats, thresholds)) for stats in attributes]
    review.results.all().delete()
    for position, (stats, judgement) in enumerate(judged):
        result = AttributeResult.objects.create(
            review=review,
            position=position,
            attribute=stats.attribute[:300],
            intersectional=stats.intersectional,
            demographic_parity_difference=stats.demographic_parity_difference,
            demographic_parity_ratio=stats.demographic_parity_ratio,
            equalized_odds_difference=stats.equalized_odds_difference,
            meets_thresholds=judgement.meets,
            failures=judgement.failures,
            notes=stats.notes,
        )
        GroupMetric.objects.bulk_create(
            GroupMetric(
                result=result,
                position=i,
                group=g.group[:300],
                count=g.count,
                positives=g.positives,
                selection_rate=g.selection_rate,
                true_positive_rate=g.true_positive_rate,
                false_positive_rate=g.false_positive_rate,
                accuracy=g.accuracy,
                meets_threshold=judgement.group_marks[g.group],
            )
            for i, g in enumerate(stats.groups)
        )
    full = [_stats_json(s, j) for s, j in judged]
    review.metrics_source = source
    review.metrics_sha256 = hashlib.sha256(canonical_json(full)).hexdigest()
    review.metrics_recorded_at = timezone.now()
    review.thresholds_met = overall_met(judged)
    review.updated_at = review.metrics_recorded_at
    review.save()
    record_event(
        AuditAction.BIAS_METRICS_RECORDED,
        actor=actor,
        obj=review,
        payload={
            "source": source,
            "metrics_sha256": review.metrics_sha256,
            "thresholds": review.thresholds,
            "thresholds_met": review.thresholds_met,
            # Intersections can have thousands of groups: their summary is logged, the hash covers all.
            "attributes": [_stats_json(s, j, with_groups=not s.intersectional) for s, j in judged],
            "predictions": {"id": predictions.pk, "sha256": predictions.sha256, "rows": predictions.row_count}
            if predictions
            else None,
        },
    )
    return review


@transaction.atomic
def record_manual_metrics(
    *, actor: Actor, review: BiasReview, attributes: list[AttributeStats]
) -> BiasReview:
    """Record metrics entered by hand (see entry.parse_manual_metrics); replaces earlier results."""
    review = lock_review(review)
    require_reviewer(actor, review.version)
    check_writable(review.version)
    check_open(review)
    return store_metrics(review, attributes, source=MetricsSource.MANUAL, actor=actor)


@transaction.atomic
def sign_off(
    *, actor: Actor, review: BiasReview, verdict: str, mitigation_plan: str | None = None
) -> BiasReview:
    """The reviewer's verdict and signature. A plain pass needs every threshold met; a pass with
    mitigation needs a mitigation plan; any verdict needs recorded metrics. The review then freezes.
    """
    review = lock_review(review)
    require_reviewer(actor, review.version)
    check_writable(review.version)
    check_open(review)
    if verdict not in Verdict.values:
        raise ValidationError({"verdict": f"Choose one of: {', '.join(Verdict.values)}."})
    if mitigation_plan is not None:
        review.mitigation_plan = mitigation_plan.strip()
    reasons = []
    if not review.metrics_source:
        reasons.append("Record the metrics (by hand or from a predictions file) before signing off.")
    if verdict == Verdict.PASS and review.thresholds_met is False:
        reasons.append(
            "The metrics breach the thresholds: sign off as “pass with mitigation” with a plan, or “fail”."
        )
    if verdict == Verdict.PASS_WITH_MITIGATION and not review.mitigation_plan:
        raise ValidationError({"mitigation_plan": "A pass with mitigation needs the mitigation plan."})
    if reasons:
        raise BiasReviewConflict("The review cannot be signed off like this.", reasons)
    user = actor.user
    if user is None:
        raise PermissionDenied("A bias review is signed off by a person.")
    review.verdict = verdict
    review.reviewer = user
    review.reviewer_name = user.full_name or user.get_username()
    review.signed_at = timezone.now()
    review.updated_at = review.signed_at
    review.save()
    record_event(
        AuditAction.BIAS_REVIEW_SIGNED,
        actor=actor,
        obj=review,
        payload={
            "verdict": verdict,
            "mitigation_plan": review.mitigation_plan,
            "metrics_sha256": review.metrics_sha256,
            "thresholds": review.thresholds,
            "thresholds_met": review.thresholds_met,
        },
    )
    return review
