"""Waivers expire by themselves and flag their object; periodic reviews open, reaffirm and suspend;
notifications are emailed by a task run on commit with links into the UI."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from governance.audit.actors import Actor
from governance.audit.event_types import AuditAction
from governance.audit.models import AuditEvent
from governance.oversight.findings import raise_finding
from lifecycle.approvals.dry_run import dry_run
from lifecycle.approvals.errors import InvalidDecision
from lifecycle.approvals.queries import (
    approval_expired,
    expired_waivers,
    open_request,
    review_overdue,
    valid_waiver,
)
from lifecycle.approvals.reviews import add_months, open_due_reviews
from lifecycle.approvals.sweeps import run_sweeps
from lifecycle.approvals.waivers import grant_waiver, revoke_waiver
from lifecycle.exceptions import GuardFailed
from lifecycle.gates import Gate, evaluate_gate
from lifecycle.inbox import overdue_reviews_for
from lifecycle.models import Notification
from lifecycle.transitions import transition
from tests.factories import walk_version_to
from tests.lifecycle.approvals.conftest import sign

T0 = dt.datetime(2027, 1, 10, 9, 0, tzinfo=dt.UTC)


def _waive(people, version, days=10, **kw):
    return grant_waiver(
        actor=Actor.for_user(people.approver), gate=kw.get("gate", Gate.NO_OPEN_HIGH_FINDINGS), asset=version.asset,
        version=version, justification=kw.get("justification", "Mitigated by manual review."),
        expires_at=kw.get("expires_at", timezone.now() + dt.timedelta(days=days)),
    )  # fmt: skip


def test_a_waiver_stops_counting_at_expiry_and_the_object_is_flagged(people, validated):
    with time_machine.travel(T0, tick=False):
        raise_finding(actor=Actor.for_user(people.validator), asset=validated.asset, version=validated,
                      title="Unstable on thin files", severity="critical")  # fmt: skip
        waiver = _waive(people, validated, days=10)
        assert run_sweeps()["expiring_waivers"] == 0  # not within the reminder window yet
    with time_machine.travel(T0 + dt.timedelta(days=5), tick=False):
        assert run_sweeps()["expiring_waivers"] == 1
        assert run_sweeps()["expiring_waivers"] == 0  # reminded once
        assert Notification.objects.filter(kind="waiver_expiring").count() == 2
    with time_machine.travel(T0, tick=False):
        result = evaluate_gate(Gate.NO_OPEN_HIGH_FINDINGS, validated.asset, validated)
        assert result.passed and result.waived_by == waiver
        checks = {c.key: c for c in dry_run(validated, people.approver).checks}
        assert checks["gate:no_open_high_findings"].status == "waived"
    with time_machine.travel(T0 + dt.timedelta(days=10, seconds=1), tick=False):
        assert valid_waiver(Gate.NO_OPEN_HIGH_FINDINGS, validated.asset, validated) is None
        assert not evaluate_gate(Gate.NO_OPEN_HIGH_FINDINGS, validated.asset, validated).passed
        with pytest.raises(GuardFailed, match="gates do not hold"):
            sign(people.approver, open_request(validated))
        assert list(expired_waivers(validated)) == [waiver]
        assert run_sweeps()["expired_waivers"] == 1
        assert run_sweeps()["expired_waivers"] == 0  # flagged once
        waiver.refresh_from_db()
        assert waiver.expiry_flagged_at is not None and waiver.status == "expired"
    assert AuditEvent.objects.filter(action=AuditAction.WAIVER_EXPIRED, object_id=str(waiver.pk)).count() == 1
    assert Notification.objects.filter(kind="waiver_expired").count() == 2  # the owner and the granter


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"justification": ""}, "justification"),
        ({"justification": "   "}, "justification"),
        ({"expires_at": None}, "expires_at"),
        ({"expires_at": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)}, "expires_at"),
        ({"gate": "made_up"}, "gate"),
    ],
)
def test_a_waiver_without_expiry_or_justification_is_refused(people, validated, change, field):
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        _waive(people, validated, **change)
    assert field in caught.value.message_dict
    assert AuditEvent.objects.count() == before


def test_only_independent_approvers_grant_and_approvers_revoke(people, validated):
    for user in (people.owner, people.team_approver, people.validator, people.compliance):
        with pytest.raises(PermissionDenied):
            grant_waiver(actor=Actor.for_user(user), gate=Gate.MODEL_CARD, asset=validated.asset, version=validated,
                         justification="x", expires_at=timezone.now() + dt.timedelta(days=1))  # fmt: skip
    waiver = _waive(people, validated)
    with pytest.raises(PermissionDenied):
        revoke_waiver(actor=Actor.for_user(people.owner), waiver=waiver, reason="mine")
    with pytest.raises(ValidationError):
        revoke_waiver(actor=Actor.for_user(people.approver2), waiver=waiver, reason=" ")
    revoke_waiver(actor=Actor.for_user(people.approver2), waiver=waiver, reason="Finding fixed.")
    assert valid_waiver(Gate.NO_OPEN_HIGH_FINDINGS, validated.asset, validated) is None


def test_add_months_clamps_to_the_end_of_the_month():
    assert add_months(dt.datetime(2027, 1, 31, tzinfo=dt.UTC), 1) == dt.datetime(2027, 2, 28, tzinfo=dt.UTC)
    assert add_months(dt.datetime(2027, 11, 15, tzinfo=dt.UTC), 14) == dt.datetime(2029, 1, 15, tzinfo=dt.UTC)


def test_periodic_review_opens_when_due_and_reaffirming_sets_the_next_date(people):
    from tests.lifecycle.approvals.conftest import validated_version

    with time_machine.travel(T0, tick=False):
        version = validated_version(people)
        walk_version_to(version, "deployed", people)
        version.refresh_from_db()
        assert version.next_review_at == add_months(T0, 12)
        assert open_due_reviews() == []
    with time_machine.travel(add_months(T0, 12) + dt.timedelta(hours=1), tick=False):
        assert review_overdue(version)
        assert list(overdue_reviews_for(people.approver)) == [version]
        [request_id] = open_due_reviews()
        assert open_due_reviews() == []  # idempotent: one open review at a time
        review = open_request(version)
        assert review.pk == request_id and review.purpose == "review"
        with pytest.raises(InvalidDecision, match="cannot be sent back"):
            sign(people.approver, review, "send_back", comment="?")
        sign(people.approver, review)
        sign(people.approver2, review)
        version.refresh_from_db()
        review.refresh_from_db()
        assert review.status == "approved" and version.stage == "deployed"
        assert version.next_review_at == add_months(add_months(T0, 12) + dt.timedelta(hours=1), 12)
        assert AuditEvent.objects.filter(action=AuditAction.REVIEW_REAFFIRMED).count() == 1
        assert not review_overdue(version)


def test_a_review_can_suspend_the_version(people):
    from tests.lifecycle.approvals.conftest import validated_version

    with time_machine.travel(T0, tick=False):
        version = walk_version_to(validated_version(people), "deployed", people)
    with time_machine.travel(add_months(T0, 13), tick=False):
        open_due_reviews()
        sign(people.approver3, open_request(version), "reject", comment="Drift beyond tolerance.")
        version.refresh_from_db()
        assert version.stage == "suspended"


def test_an_approval_expires_for_deployment(people):
    from tests.lifecycle.approvals.conftest import validated_version

    with time_machine.travel(T0, tick=False):
        version = walk_version_to(validated_version(people), "approved", people)
    with time_machine.travel(T0 + dt.timedelta(days=91), tick=False):
        assert approval_expired(version)
        with pytest.raises(GuardFailed) as caught:
            transition(version, "deployed", actor=Actor.for_user(people.owner))
        assert "approval expired" in caught.value.reasons[0]


def test_a_suspension_outside_the_review_withdraws_it(people):
    from tests.lifecycle.approvals.conftest import validated_version

    with time_machine.travel(T0, tick=False):
        version = walk_version_to(validated_version(people), "deployed", people)
    with time_machine.travel(add_months(T0, 13), tick=False):
        open_due_reviews()
        review = open_request(version)
        transition(version, "suspended", actor=Actor.for_user(people.validator), reason="Incident.")
        review.refresh_from_db()
        assert review.status == "withdrawn" and "moved from deployed to suspended" in review.outcome_note


def test_emails_go_out_by_a_task_on_commit_with_links(
    people, validated, django_capture_on_commit_callbacks, settings
):
    settings.STEWARD_BASE_URL = "https://steward.example.com"
    mail.outbox.clear()
    request = open_request(validated)
    last = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sign(people.approver, request)
    assert callbacks and not mail.outbox  # nothing is sent before commit
    for callback in callbacks:
        callback()
    recipients = {m.to[0] for m in mail.outbox}
    assert people.owner.email in recipients and people.approver.email in recipients
    message = next(m for m in mail.outbox if m.to == [people.owner.email])
    assert "Approve" in message.subject
    assert f"https://steward.example.com/lifecycle/approvals/{request.pk}/" in message.body
    ours = Notification.objects.filter(pk__gt=last)
    assert ours.exists() and set(ours.values_list("status", flat=True)) == {"sent"}
    # A second delivery of the same notification sends nothing (claimed by compare-and-set).
    from lifecycle.tasks import deliver_notification

    sent = len(mail.outbox)
    note = ours.first()
    assert deliver_notification(note.pk) == "skipped" and len(mail.outbox) == sent


def test_opening_a_request_emails_the_eligible_approvers_only(people, django_capture_on_commit_callbacks):
    from tests.lifecycle.approvals.conftest import validated_version

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        version = validated_version(people)
    opened = [m for m in mail.outbox if m.subject.startswith("[Steward] Approval needed: version")]
    recipients = {m.to[0] for m in opened}
    assert {people.approver.email, people.approver2.email, people.approver3.email} <= recipients
    assert people.team_approver.email not in recipients  # the owning team's approver may not decide
    assert version.stage == "validated"
