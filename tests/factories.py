"""Builders that go through the services, so every object has real history and audit events."""

from __future__ import annotations

import itertools
from typing import Any

from governance.accounts.models import Team, User
from governance.audit.actors import Actor
from governance.inventory import services as inventory
from governance.inventory.models import Asset, AssetVersion
from lifecycle.approvals.decisions import decide
from lifecycle.approvals.proposals import propose_asset
from lifecycle.approvals.queries import open_request
from lifecycle.approvals.signing import Signature
from lifecycle.notifications import eligible_deciders
from lifecycle.stages import VersionStage
from lifecycle.transitions import transition
from tests.conftest import PASSWORD

_counter = itertools.count(1)


def make_asset(owner: User, team: Team, **fields: Any) -> Asset:
    n = next(_counter)
    defaults: dict[str, Any] = {
        "slug": f"asset-{n}",
        "name": f"Asset {n}",
        "purpose": "Scores applications for credit risk.",
        "ai_act_category": "high",
        "materiality_tier": 1,
    }
    defaults.update(fields)
    return propose_asset(actor=Actor.for_user(owner), team=team, **defaults)


def make_version(
    asset: Asset, owner: User | None = None, label: str | None = None, **fields: Any
) -> AssetVersion:
    owner = owner or asset.owner
    return inventory.register_version(
        actor=Actor.for_user(owner), asset=asset, label=label or f"1.{next(_counter)}", **fields
    )


def approve_request(obj: Asset | AssetVersion, first: User, **decision: Any) -> None:
    """Sign approvals on the object's open request until its quorum is reached: `first`, then other
    eligible approvers (by username), each with a password signature."""
    request = open_request(obj)
    assert request is not None, f"{obj} has no open approval request"
    others = sorted((u for u in eligible_deciders(request) if u.pk != first.pk), key=lambda u: u.username)
    for user in [first, *others]:
        request.refresh_from_db()
        if request.status != "open":
            break
        decide(
            request.pk,
            actor=Actor.for_user(user),
            meaning=decision.get("meaning", "approve"),
            comment=decision.get("comment", ""),
            digest_seen=request.digest,
            signature=Signature(password=PASSWORD),
        )
    obj.refresh_from_db()


def activate(asset: Asset, approver: User) -> Asset:
    approve_request(asset, approver)
    return asset


def walk_version_to(version: AssetVersion, stage: str, people: Any) -> AssetVersion:
    """Drive a version along the happy path to `stage`, through transition() with the right personas."""
    path = [
        (VersionStage.SUBMITTED, people.owner),
        (VersionStage.IN_VALIDATION, people.validator),
        (VersionStage.VALIDATED, people.validator),
        (VersionStage.APPROVED, people.approver),
        (VersionStage.DEPLOYED, people.owner),
    ]
    order = [VersionStage.REGISTERED, *(target for target, _ in path)]
    for target, user in path:
        if version.stage == stage:
            break
        if version.stage in order and order.index(target) <= order.index(version.stage):
            continue  # already past this step (walking on from a later stage)
        if target == VersionStage.DEPLOYED and version.asset.stage != "active":
            activate(version.asset, people.approver)
        if target == VersionStage.APPROVED:
            approve_request(version, user)
            continue
        if target == VersionStage.SUBMITTED:
            make_final_card(version)
        if target == VersionStage.VALIDATED:
            make_final_validation_report(version, user)
            make_bias_review(version, user)
        transition(version, target, actor=Actor.for_user(user))
    assert version.stage == stage, f"could not walk to {stage}; stopped at {version.stage}"
    return version


# --- documentation, evidence and bias reviews ---------------------------------------------------------


def ensure_templates() -> None:
    """The seeded document templates (a transactional test's flush removes what migrations installed)."""
    from governance.model_cards.models import DocumentTemplate, TemplateVersion
    from governance.model_cards.seeded import install_seeded_templates

    install_seeded_templates(DocumentTemplate, TemplateVersion)


def filled_content(document: Any) -> dict[str, Any]:
    """Content that fills every section of the document's template (required or not)."""
    from governance.model_cards.sections import specs_of

    content: dict[str, Any] = {}
    for spec in specs_of(document.template.current_version.sections):
        if spec.kind == "table":
            content[spec.key] = [[f"{column} value" for column in spec.columns]]
        elif spec.kind == "fields":
            content[spec.key] = {f.key: f"{f.label} value" for f in spec.fields}
        else:
            content[spec.key] = f"Text of the section “{spec.title}”."
    return content


def make_document(
    version: AssetVersion, kind: str, author: User, *, final: bool = True, **content: Any
) -> Any:
    """The version's document of `kind`, with every section filled (overridden by `content`), marked
    final by `author` unless `final=False`. Reuses a document that is already final and complete."""
    from governance.model_cards import services as documents
    from governance.model_cards.models import Document

    ensure_templates()
    actor = Actor.for_user(author)
    document = Document.objects.filter(version=version, kind=kind).first()
    if document is not None and document.is_final and document.is_complete and not content:
        return document
    if document is None:
        document = documents.create_document(actor=actor, asset=version.asset, version=version, kind=kind)
    documents.save_revision(
        actor=actor,
        document=document,
        content=filled_content(document) | content,
        summary="Filled in by the test factory.",
    )
    if final:
        documents.mark_final(actor=actor, document=document)
    document.refresh_from_db()
    return document


def make_final_card(version: AssetVersion, author: User | None = None, **content: Any) -> Any:
    """A complete model card of `version`, marked final by its author (the asset's owner by default)."""
    return make_document(version, "model_card", author or version.asset.owner, **content)


def make_final_validation_report(version: AssetVersion, validator: User | None = None) -> Any:
    """A complete validation report, final, by the version's claiming validator."""
    from governance.accounts.models import User as UserModel

    validator = validator or UserModel.objects.get(pk=version.validator_id)
    return make_document(version, "validation_report", validator)


def group_metrics(rates: dict[str, float], attribute: str = "sex") -> list[dict[str, Any]]:
    """Manual metrics for one attribute: {group: selection rate} with plausible other rates."""
    return [
        {
            "attribute": attribute,
            "groups": [
                {
                    "group": g,
                    "count": 500,
                    "selection_rate": r,
                    "true_positive_rate": 0.8,
                    "false_positive_rate": 0.1,
                    "accuracy": 0.85,
                }
                for g, r in rates.items()
            ],
        }
    ]


def make_bias_review(
    version: AssetVersion,
    validator: User | None = None,
    *,
    verdict: str | None = "pass",
    rates: dict[str, float] | None = None,
    mitigation_plan: str = "",
) -> Any:
    """A bias review of `version` by its claiming validator with hand-entered metrics (by default two
    groups at parity), signed off with `verdict` (None leaves it open). Reuses a passed review."""
    from governance.accounts.models import User as UserModel
    from governance.bias_reviews import services as bias
    from governance.bias_reviews.entry import parse_manual_metrics
    from governance.bias_reviews.queries import current_review

    review = current_review(version)
    if review is not None and review.passed and verdict in {"pass", "pass_with_mitigation"} and rates is None:
        return review
    validator = validator or UserModel.objects.get(pk=version.validator_id)
    actor = Actor.for_user(validator)
    if review is None or review.is_signed:
        review = bias.create_bias_review(
            actor=actor,
            version=version,
            protected_attributes=["sex"],
            evaluation_data="Hold-out sample of 1,000 applications from 2025.",
        )
    metrics = parse_manual_metrics(group_metrics(rates or {"female": 0.42, "male": 0.45}), ["sex"])
    review = bias.record_manual_metrics(actor=actor, review=review, attributes=metrics)
    if verdict is not None:
        review = bias.sign_off(
            actor=actor, review=review, verdict=verdict, mitigation_plan=mitigation_plan or None
        )
    return review


def make_evidence(
    version: AssetVersion,
    uploader: User | None = None,
    *,
    kind: str = "test_results",
    label: str = "Back-test results",
    data: bytes = b"metric,value\nauc,0.81\n",
) -> Any:
    """Evidence (a small CSV by default) attached to `version` through the upload service."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from governance.evidence.services import upload_evidence

    upload = SimpleUploadedFile("results.csv", data, content_type="text/csv")
    return upload_evidence(
        actor=Actor.for_user(uploader or version.asset.owner),
        version=version,
        file=upload,
        label=label,
        kind=kind,
    )
