"""Requests open pinned to the digest and policy; decisions count to quorum under the policy's rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from governance.audit.actors import Actor
from governance.audit.event_types import AuditAction
from governance.audit.models import AuditEvent
from governance.inventory import services as inventory
from governance.oversight.findings import raise_finding
from governance.oversight.models import Finding, FindingSource
from lifecycle.approvals.errors import (
    AlreadyDecided,
    DigestChanged,
    InvalidDecision,
    NotEligible,
    RequestNotOpen,
    SignatureFailed,
)
from lifecycle.approvals.waivers import grant_waiver
from lifecycle.digest import DIGEST_VERSION, review_digest
from lifecycle.exceptions import GuardFailed
from lifecycle.models import ApprovalRequest, Decision, StageTransition
from tests.conftest import make_user
from tests.lifecycle.approvals.conftest import sign


def counts():
    return AuditEvent.objects.count(), Decision.objects.count(), StageTransition.objects.count()


def test_entering_validated_opens_a_request_pinned_to_digest_and_policy(people, validated, request_of):
    request = request_of(validated)
    assert request.purpose == "approval" and request.status == "open"
    assert request.digest == review_digest(validated) and request.digest_version == DIGEST_VERSION
    assert (request.policy.key, request.policy.version) == ("high-risk", 1)
    opened = AuditEvent.objects.filter(action=AuditAction.REQUEST_OPENED, object_id=str(request.pk)).get()
    assert opened.payload["digest"] == request.digest and opened.payload["policy"] == "high-risk"


def test_quorum_of_two_with_a_committee_member_approves_once(people, validated, request_of):
    request = request_of(validated)
    sign(people.approver, request)
    validated.refresh_from_db()
    assert validated.stage == "validated" and request_of(validated).status == "open"
    before_events = AuditEvent.objects.filter(action=AuditAction.STAGE_CHANGED).count()
    sign(people.approver2, request)
    validated.refresh_from_db()
    request.refresh_from_db()
    assert validated.stage == "approved" and request.status == "approved"
    assert AuditEvent.objects.filter(action=AuditAction.STAGE_CHANGED).count() == before_events + 1
    assert StageTransition.objects.filter(version=validated, target="approved").count() == 1
    # Approval sets the next periodic review from the policy (12 months for high risk).
    assert validated.next_review_at is not None
    assert 360 <= (validated.next_review_at - timezone.now()).days <= 366
    with pytest.raises(AlreadyDecided, match="Already decided"):
        sign(people.approver3, request)


def test_the_committee_seat_cannot_be_taken_by_outsiders(people, validated, request_of):
    outside = [make_user(f"out{n}", ["approver"], [people.marketing]) for n in range(2)]
    request = request_of(validated)
    sign(outside[0], request)
    before = counts()
    with pytest.raises(NotEligible, match="risk committee"):
        sign(outside[1], request)
    assert counts() == before
    sign(people.approver, request)  # the committee member completes the quorum
    validated.refresh_from_db()
    assert validated.stage == "approved"


@pytest.mark.parametrize("who", ["owner", "owner2", "team_approver", "validator", "submitter"])
def test_separation_of_duties_through_the_service(people, validated, request_of, who):
    from governance.accounts import services as accounts
    from tests.conftest import SYSTEM

    user = {
        "owner": people.owner,  # the owner (also the submitter)
        "owner2": people.owner2,  # owning team
        "team_approver": people.team_approver,  # an approver in the owning team
        "validator": people.validator,  # the version's validator
        "submitter": people.owner,
    }[who]
    accounts.grant_role(actor=SYSTEM, user=user, role="approver")
    user.forget_cached_access()
    before = counts()
    with pytest.raises(NotEligible) as caught:
        sign(user, request_of(validated))
    assert caught.value.http_status == 403 and caught.value.reasons
    assert counts() == before


def test_a_decision_needs_the_approver_role(people, validated, request_of):
    with pytest.raises(NotEligible, match="approver role"):
        sign(people.compliance, request_of(validated))


def test_deciding_twice_is_refused(people, validated, request_of):
    request = request_of(validated)
    sign(people.approver, request)
    before = counts()
    with pytest.raises(AlreadyDecided, match="already signed"):
        sign(people.approver, request)
    assert counts() == before


def test_wrong_password_and_missing_comment_change_nothing(people, validated, request_of):
    request = request_of(validated)
    before = counts()
    with pytest.raises(SignatureFailed, match="password is incorrect"):
        sign(people.approver, request, password="wrong")
    for meaning in ("reject", "send_back", "approve_with_conditions"):
        with pytest.raises(InvalidDecision, match="needs a comment") as caught:
            sign(people.approver, request, meaning)
        assert caught.value.http_status == 400
    with pytest.raises(InvalidDecision, match="Unknown decision"):
        sign(people.approver, request, "maybe")
    with pytest.raises(InvalidDecision, match="at least one condition"):
        sign(people.approver, request, "approve_with_conditions", comment="ok")
    assert counts() == before


def test_a_changed_digest_makes_the_request_stale(people, validated, request_of):
    request = request_of(validated)
    sign(people.approver, request)
    validated.refresh_from_db()
    inventory.update_version(actor=Actor.for_user(people.owner), version=validated, metrics={"auc": 0.5})
    with pytest.raises(DigestChanged) as caught:
        sign(people.approver2, request)
    assert caught.value.http_status == 409 and "changed" in caught.value.reasons[0]
    request.refresh_from_db()
    assert request.status == "stale" and "material changed" in request.outcome_note
    assert AuditEvent.objects.filter(action=AuditAction.REQUEST_STALE, object_id=str(request.pk)).exists()
    validated.refresh_from_db()
    assert validated.stage == "validated"
    with pytest.raises(RequestNotOpen, match="stale"):
        sign(people.approver3, request)


def test_a_digest_the_approver_did_not_see_is_refused_without_staling(people, validated, request_of):
    request = request_of(validated)
    before = counts()
    with pytest.raises(DigestChanged, match="not what is under review"):
        sign(people.approver, request, digest="0" * 64)
    assert counts() == before and request_of(validated).status == "open"


def test_the_validator_reopens_a_stale_request(people, validated, request_of):
    from lifecycle.approvals.requests import reopen_request

    request = request_of(validated)
    inventory.update_version(actor=Actor.for_user(people.owner), version=validated, metrics={"auc": 0.51})
    with pytest.raises(DigestChanged):
        sign(people.approver, request)
    validated.refresh_from_db()
    fresh = reopen_request(validated, actor=Actor.for_user(people.validator))
    assert fresh.digest == review_digest(validated) and fresh.pk != request.pk
    sign(people.approver, fresh)
    sign(people.approver2, fresh)
    validated.refresh_from_db()
    assert validated.stage == "approved"


def test_reject_and_send_back_move_the_version(people, request_of):
    from tests.lifecycle.approvals.conftest import validated_version

    rejected = validated_version(people)
    sign(people.approver, request_of(rejected), "reject", comment="Unfit for purpose.")
    rejected.refresh_from_db()
    assert rejected.stage == "rejected"
    step = StageTransition.objects.get(version=rejected, target="rejected")
    assert step.reason == "Unfit for purpose." and step.actor_user == people.approver

    sent = validated_version(people)
    request = request_of(sent)
    sign(people.approver2, request, "send_back", comment="Add the stress tests.")
    sent.refresh_from_db()
    request.refresh_from_db()
    assert sent.stage == "changes_requested" and request.status == "sent_back"


def test_each_condition_becomes_a_finding(people, validated, request_of):
    due = timezone.now().date() + dt.timedelta(days=30)
    request = request_of(validated)
    decision = sign(
        people.approver, request, "approve_with_conditions", comment="Approved for the pilot.",
        conditions=[{"title": "Re-run the stress test", "due_date": due.isoformat()},
                    {"title": "Add drift monitoring", "due_date": due, "severity": "high"}],
    )  # fmt: skip
    findings = Finding.objects.filter(source=FindingSource.APPROVAL_CONDITION).order_by("pk")
    assert [(f.title, f.due_date, f.severity, f.owner) for f in findings] == [
        ("Re-run the stress test", due, "medium", people.owner),
        ("Add drift monitoring", due, "high", people.owner),
    ]
    assert {f.source_ref for f in findings} == {f"decision:{decision.pk}"}
    assert decision.conditions[0]["title"] == "Re-run the stress test"


def test_bad_conditions_are_refused(people, validated, request_of):
    past = timezone.now().date() - dt.timedelta(days=1)
    with pytest.raises(InvalidDecision) as caught:
        sign(people.approver, request_of(validated), "approve_with_conditions", comment="c",
             conditions=[{"title": "", "due_date": past}])  # fmt: skip
    assert "needs a title" in caught.value.reasons[0] and "in the past" in caught.value.reasons[1]
    assert not Finding.objects.exists()


def test_an_open_high_finding_blocks_approval_until_waived(people, validated, request_of):
    request = request_of(validated)
    raise_finding(actor=Actor.for_user(people.validator), asset=validated.asset, version=validated,
                  title="Leakage in the training data", severity="high")  # fmt: skip
    with pytest.raises(GuardFailed, match="gates do not hold") as caught:
        sign(people.approver, request)
    assert any("Leakage" in reason for reason in caught.value.reasons)
    grant_waiver(
        actor=Actor.for_user(people.approver3), gate="no_open_high_findings", asset=validated.asset,
        version=validated, justification="Fixed in the next release.",
        expires_at=timezone.now() + dt.timedelta(days=30),
    )  # fmt: skip
    sign(people.approver, request)
    sign(people.approver2, request)
    validated.refresh_from_db()
    assert validated.stage == "approved"


def test_integration_tokens_never_sign(people, validated, request_of):
    from governance.accounts import services as accounts

    issued = accounts.create_token(actor=Actor.for_user(people.approver), user=people.approver, name="ci",
                                   scope="integration")  # fmt: skip
    from lifecycle.approvals.decisions import decide
    from lifecycle.approvals.signing import Signature

    request = request_of(validated)
    with pytest.raises(SignatureFailed, match="Integration tokens"):
        decide(request.pk, actor=Actor.for_token(issued.token), meaning="approve", digest_seen=request.digest,
               signature=Signature(password="correct horse battery staple"))  # fmt: skip


def test_one_open_request_per_object_is_a_database_constraint(people, validated, request_of):
    from django.db import IntegrityError, transaction

    request = request_of(validated)
    with pytest.raises(IntegrityError), transaction.atomic():
        ApprovalRequest.objects.create(
            purpose="approval", kind="version", asset=validated.asset, version=validated, policy=request.policy,
            digest=request.digest, digest_version=1, opened_by_name="x",
        )  # fmt: skip
    sign(people.approver, request)
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.create(
            request=request, approver=people.approver, approver_name="again", role="approver", meaning="approve",
            digest_seen=request.digest, signature_method="password",
        )  # fmt: skip


def test_proposals_are_approved_and_rejected_through_requests(people, request_of):
    from tests.factories import make_asset

    asset = make_asset(people.owner, people.retail, ai_act_category="minimal", materiality_tier=3)
    request = request_of(asset)
    assert request.purpose == "proposal" and request.policy.key == "minimal-risk"
    sign(people.approver, request)
    asset.refresh_from_db()
    assert asset.stage == "active"
    other = make_asset(people.owner, people.retail, ai_act_category="limited", materiality_tier=2)
    sign(people.approver2, request_of(other), "reject", comment="Out of appetite.")
    other.refresh_from_db()
    assert other.stage == "rejected"
