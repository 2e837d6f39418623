"""The review digest (DESIGN §2): SHA-256 over the canonical JSON of what reviewers reviewed.

A version's digest covers its technical identity, the ids and hashes of its current document
revisions, its evidence hashes and its bias review. Approval requests pin it; each decision carries
the digest its approver saw; a change of any part makes open requests stale. Bump DIGEST_VERSION
whenever the material changes shape, so old pins stay explainable.
"""

from __future__ import annotations

import hashlib
from typing import Any

from governance.audit.hashing import canonical_json
from governance.audit.jsonvalues import to_json_value
from governance.inventory.models import Asset, AssetVersion

DIGEST_VERSION = 2  # 2: the monitoring plan joined the material (1: without it)

IDENTITY_FIELDS = (
    "label",
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
ASSET_FIELDS = (
    "slug",
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


def documents_part(version: AssetVersion) -> list[dict[str, Any]]:
    """Current revisions (document id, template, revision id, sha256) of the version's documents."""
    from governance.model_cards.queries import version_documents

    return [
        {
            "document": d.pk,
            "kind": d.kind,
            "template": d.template.slug,
            "revision": d.current_revision_id,
            "number": d.current_revision.number if d.current_revision else None,
            "sha256": d.current_revision.sha256 if d.current_revision else None,
            "final": d.is_final,
        }
        for d in version_documents(version)
    ]


def evidence_part(version: AssetVersion) -> list[dict[str, Any]]:
    """Current (not superseded) evidence: id, label, kind and sha256."""
    from governance.evidence.queries import current_evidence

    return [
        {"evidence": e.pk, "label": e.label, "kind": e.kind, "sha256": e.sha256}
        for e in current_evidence(version)
    ]


def bias_review_part(version: AssetVersion) -> dict[str, Any] | None:
    """The version's bias review as reviewed: id, verdict, metrics digest."""
    from governance.bias_reviews.queries import current_review

    review = current_review(version)
    if review is None:
        return None
    return {
        "review": review.pk,
        "verdict": review.verdict or None,
        "signed": review.is_signed,
        "metrics_sha256": review.metrics_sha256 or None,
        "thresholds": review.thresholds,
        "mitigation_plan_sha256": hashlib.sha256(review.mitigation_plan.encode()).hexdigest(),
    }


def monitoring_plan_part(version: AssetVersion) -> dict[str, Any] | None:
    """The version's monitoring plan as approved: notes and each metric's definition and thresholds."""
    from governance.oversight.models.monitoring import MonitoringPlan
    from governance.oversight.monitoring.plans import plan_snapshot

    plan = MonitoringPlan.objects.filter(version=version).prefetch_related("metrics").first()
    snapshot = plan_snapshot(plan)
    return to_json_value(snapshot) if snapshot is not None else None


def version_material(version: AssetVersion, digest_version: int = DIGEST_VERSION) -> dict[str, Any]:
    """Everything a version's reviewers reviewed, as JSON values, in the shape of `digest_version`
    (older shapes stay computable, so a pin made under them can still be explained)."""
    material = {
        "digest_version": digest_version,
        "asset": version.asset.slug,
        "identity": to_json_value({name: getattr(version, name) for name in IDENTITY_FIELDS}),
        "documents": documents_part(version),
        "evidence": evidence_part(version),
        "bias_review": bias_review_part(version),
    }
    if digest_version >= 2:
        material["monitoring_plan"] = monitoring_plan_part(version)
    return material


def asset_material(asset: Asset) -> dict[str, Any]:
    """What an asset proposal's approvers reviewed."""
    return {
        "digest_version": DIGEST_VERSION,
        "proposal": to_json_value({name: getattr(asset, name) for name in ASSET_FIELDS}),
        "team": asset.team.slug,
        "owner": asset.owner.get_username(),
    }


def review_digest(obj: Asset | AssetVersion, digest_version: int = DIGEST_VERSION) -> str:
    """Hex SHA-256 of the canonical review material of an asset or version (in `digest_version`'s shape)."""
    if isinstance(obj, AssetVersion):
        material = version_material(obj, digest_version)
    else:
        material = asset_material(obj) | {"digest_version": digest_version}
    return hashlib.sha256(canonical_json(material)).hexdigest()
