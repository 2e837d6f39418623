"""The bias-review gate, and the source that copies a policy's thresholds into new bias reviews.

Registered on import (lifecycle.apps). A version passes when its most recent bias review is signed
off with a passing verdict (pass, or pass with mitigation); evaluate_gate accepts a valid waiver
instead. Audit events about bias reviews become visible to whoever may see the asset.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import CharField, QuerySet
from django.db.models.functions import Cast

from governance.bias_reviews.models import BiasReview, Verdict
from governance.bias_reviews.queries import current_review
from governance.bias_reviews.thresholds import Thresholds, register_threshold_source
from governance.inventory.models import Asset, AssetVersion
from lifecycle.gates import Gate, register_gate
from lifecycle.queries import register_event_visibility, visible_assets

# Policy bias_thresholds use {"metric": {"min"|"max": value}}; reviews keep them under these names.
POLICY_KEYS = {
    ("demographic_parity_ratio", "min"): "demographic_parity_ratio_min",
    ("demographic_parity_difference", "max"): "demographic_parity_difference_max",
    ("equalized_odds_difference", "max"): "equalized_odds_difference_max",
}


def bias_review_passed(asset: Asset, version: AssetVersion | None, options: Mapping[str, Any]) -> list[str]:
    if version is None:
        return ["Bias reviews are made of versions, not of asset proposals."]
    review = current_review(version)
    if review is None:
        return [f"Version {version.label} has no bias review."]
    if not review.is_signed:
        return [f"The bias review of version {version.label} is not signed off yet."]
    if review.verdict == Verdict.FAIL:
        return [f"The bias review of version {version.label} failed (signed off by {review.reviewer_name})."]
    return []


register_gate(Gate.BIAS_REVIEW, bias_review_passed)


def thresholds_from_policy(data: Mapping[str, Any], source: str) -> Thresholds | None:
    """Convert a policy's bias_thresholds into review thresholds; None when the policy sets none."""
    values: dict[str, Any] = {}
    for (metric, bound), name in POLICY_KEYS.items():
        entry = data.get(metric)
        if isinstance(entry, Mapping) and entry.get(bound) is not None:
            values[name] = entry[bound]
    if not values:
        return None
    return Thresholds.from_mapping(dict.fromkeys(POLICY_KEYS.values()) | values, source)


def policy_thresholds(version: AssetVersion) -> Thresholds | None:
    """Thresholds from the approval policy matching the version's asset (the strictest match)."""
    try:
        from lifecycle.approvals.policies import matching_policy
    except ImportError:  # no approval policies installed: the defaults from settings apply
        return None

    policy = matching_policy(version.asset)
    if policy is None or not policy.bias_thresholds:
        return None
    return thresholds_from_policy(policy.bias_thresholds, f"Policy “{policy.name}” v{policy.version}")


register_threshold_source(policy_thresholds)


def _review_ids(user: Any) -> QuerySet[Any]:
    return (
        BiasReview.objects.filter(asset__in=visible_assets(user))
        .annotate(sid=Cast("pk", CharField()))
        .values("sid")
    )


register_event_visibility("bias_reviews.biasreview", _review_ids)
