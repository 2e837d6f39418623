"""The documentation gates on the stage table: a final, complete model card (and the policy's evidence)
for submission; a final validation report and a passed or waived bias review for `validated`; the
review digest follows documents, evidence and the bias review."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from governance.audit.actors import Actor
from governance.model_cards import services as documents
from lifecycle.approvals.policies import RuleSpec, matching_policy, update_policy
from lifecycle.approvals.waivers import grant_waiver
from lifecycle.digest import review_digest, version_material
from lifecycle.exceptions import GuardFailed
from lifecycle.gates import Gate, evaluate_gate
from lifecycle.transitions import available_transitions, transition
from tests.factories import (
    filled_content,
    make_asset,
    make_bias_review,
    make_evidence,
    make_final_card,
    make_final_validation_report,
    make_version,
    walk_version_to,
)


@pytest.fixture
def version(people):
    return make_version(make_asset(people.owner, people.retail))


def reasons_for(version, target, user):
    with pytest.raises(GuardFailed) as caught:
        transition(version, target, actor=Actor.for_user(user))
    return caught.value.reasons


def test_submission_needs_a_final_and_complete_model_card(people, version):
    owner = Actor.for_user(people.owner)
    assert "There is no model card of version" in reasons_for(version, "submitted", people.owner)[0]
    card = documents.create_document(actor=owner, asset=version.asset, version=version, kind="model_card")
    content = filled_content(card)
    content.pop("factors")
    documents.save_revision(actor=owner, document=card, content=content)
    reasons = reasons_for(version, "submitted", people.owner)
    assert any("incomplete: Factors without content" in r for r in reasons)
    assert any("not been marked final" in r for r in reasons)
    option = next(o for o in available_transitions(version, owner) if o.edge.target == "submitted")
    assert not option.enabled and option.unmet == reasons
    make_final_card(version)
    transition(version, "submitted", actor=owner)
    assert version.stage == "submitted"


def test_a_new_revision_after_finality_blocks_resubmission(people, version):
    walk_version_to(version, "in_validation", people)
    transition(version, "changes_requested", actor=Actor.for_user(people.validator), reason="Add factors.")
    card = version.documents.get(kind="model_card")
    documents.revise_section(
        actor=Actor.for_user(people.owner), document=card, key="factors", value="Age, region."
    )
    assert any("not been marked final" in r for r in reasons_for(version, "submitted", people.owner))
    documents.mark_final(actor=Actor.for_user(people.owner), document=card)
    transition(version, "submitted", actor=Actor.for_user(people.owner))


def test_validation_needs_a_final_report_and_a_passed_bias_review(people, version):
    walk_version_to(version, "in_validation", people)
    reasons = reasons_for(version, "validated", people.validator)
    assert any("no validation report" in r for r in reasons)
    assert any("has no bias review" in r for r in reasons)
    make_final_validation_report(version, people.validator)
    make_bias_review(version, people.validator, verdict=None)
    assert reasons_for(version, "validated", people.validator) == [
        f"The bias review of version {version.label} is not signed off yet."
    ]


def test_a_failing_bias_review_blocks_validation_until_waived(people, version):
    walk_version_to(version, "in_validation", people)
    make_final_validation_report(version, people.validator)
    make_bias_review(version, people.validator, verdict="fail", rates={"female": 0.2, "male": 0.5})
    reasons = reasons_for(version, "validated", people.validator)
    assert reasons == [f"The bias review of version {version.label} failed (signed off by Victor)."]
    assert not evaluate_gate(Gate.BIAS_REVIEW, version.asset, version).passed
    grant_waiver(
        actor=Actor.for_user(people.approver),
        gate=Gate.BIAS_REVIEW,
        asset=version.asset,
        version=version,
        justification="Known data gap; remediation funded for Q3.",
        expires_at=timezone.now() + timedelta(days=30),
    )
    result = evaluate_gate(Gate.BIAS_REVIEW, version.asset, version)
    assert result.passed and result.waived_by is not None
    transition(version, "validated", actor=Actor.for_user(people.validator))
    assert version.stage == "validated"


def test_a_pass_with_mitigation_satisfies_the_gate(people, version):
    walk_version_to(version, "in_validation", people)
    make_final_validation_report(version, people.validator)
    make_bias_review(
        version,
        people.validator,
        verdict="pass_with_mitigation",
        rates={"female": 0.3, "male": 0.45},
        mitigation_plan="Threshold per segment; review in 3 months.",
    )
    transition(version, "validated", actor=Actor.for_user(people.validator))


def test_the_policy_can_require_evidence_for_submission(people, version):
    policy = matching_policy(version.asset)
    rules = [RuleSpec.of(r) for r in policy.rules.all()]
    update_policy(
        actor=Actor.for_user(people.admin),
        policy=policy,
        rules=rules,
        required_evidence=["test_results", "data_quality_report"],
    )
    make_final_card(version)
    reasons = reasons_for(version, "submitted", people.owner)
    assert reasons == [
        "No current evidence of kind “Test results”.",
        "No current evidence of kind “Data quality report”.",
    ]
    make_evidence(version, kind="test_results")
    make_evidence(version, kind="data_quality_report", label="Data profile")
    transition(version, "submitted", actor=Actor.for_user(people.owner))


def test_the_review_digest_follows_documents_evidence_and_the_bias_review(people, version):
    empty = review_digest(version)
    card = make_final_card(version)
    with_card = review_digest(version)
    assert with_card != empty
    material = version_material(version)
    assert material["documents"] == [
        {
            "document": card.pk,
            "kind": "model_card",
            "template": "model-card",
            "revision": card.current_revision_id,
            "number": 1,
            "sha256": card.current_revision.sha256,
            "final": True,
        }
    ]
    evidence = make_evidence(version)
    assert version_material(version)["evidence"] == [
        {"evidence": evidence.pk, "label": evidence.label, "kind": "test_results", "sha256": evidence.sha256}
    ]
    with_evidence = review_digest(version)
    assert with_evidence != with_card
    walk_version_to(version, "in_validation", people)
    review = make_bias_review(version, people.validator)
    part = version_material(version)["bias_review"]
    assert (
        part["review"] == review.pk
        and part["verdict"] == "pass"
        and part["metrics_sha256"] == review.metrics_sha256
    )
    assert review_digest(version) != with_evidence


def test_audit_events_about_documents_evidence_and_reviews_follow_the_assets_visibility(people, version):
    from lifecycle.queries import events_visible_to

    card = make_final_card(version)
    evidence = make_evidence(version)
    walk_version_to(version, "in_validation", people)
    review = make_bias_review(version, people.validator)
    about = {
        ("model_cards.document", str(card.pk)),
        ("evidence.evidence", str(evidence.pk)),
        ("bias_reviews.biasreview", str(review.pk)),
    }

    def seen(user):
        return set(events_visible_to(user).values_list("object_type", "object_id")) & about

    assert seen(people.owner2) == about  # the owning team
    assert seen(people.outsider) == set()
    assert seen(people.compliance) == about
