"""The foundation's lifecycle rules beyond the table: independence, gates, fail-closed guards, atomicity."""

from __future__ import annotations

import pytest

from governance.accounts import services as accounts
from governance.accounts.models import Team
from governance.audit.actors import Actor
from governance.audit.event_types import AuditAction
from governance.audit.models import AuditEvent
from governance.inventory import services as inventory
from lifecycle import guards, hooks
from lifecycle.approvals.decisions import decide
from lifecycle.approvals.errors import NotEligible
from lifecycle.approvals.queries import open_request
from lifecycle.approvals.signing import Signature
from lifecycle.exceptions import GuardFailed, NotPermitted, ReasonRequired, StaleStage
from lifecycle.models import StageTransition
from lifecycle.stages import ASSET, VERSION, AssetStage, VersionStage
from lifecycle.transitions import available_transitions, transition
from tests.conftest import PASSWORD, SYSTEM, make_user
from tests.factories import approve_request, make_asset, make_final_card, make_version
from tests.lifecycle.conftest import build, snapshot

V, A = VersionStage, AssetStage


def decide_as(user, request, meaning="approve"):
    return decide(
        request.pk,
        actor=Actor.for_user(user),
        meaning=meaning,
        digest_seen=request.digest,
        signature=Signature(password=PASSWORD),
    )


def refused(exc_type, obj, to, actor, reason=""):
    """transition() raises `exc_type`, and nothing at all is written; returns the error's reasons."""
    before = snapshot(obj)
    with pytest.raises(exc_type) as caught:
        transition(obj, to, actor=actor, reason=reason)
    assert snapshot(obj) == before
    return caught.value.reasons


# --- validator independence -----------------------------------------------------------------------


def test_a_validator_in_the_owning_team_may_not_claim(people, cast):
    insider = make_user("ivan", ["validator"], [people.retail])
    version = build(VERSION, V.SUBMITTED, cast)
    reasons = refused(GuardFailed, version, V.IN_VALIDATION, Actor.for_user(insider))
    assert reasons == ["Validators must not belong to the team that owns the asset."]


def test_the_owner_and_the_submitter_may_not_validate_their_own_work(people):
    # Owner of an asset in retail without being a member of retail: only the owner/submitter rules apply.
    both = make_user("bea", ["owner", "validator"], [people.validation])
    asset = inventory.create_asset(
        actor=SYSTEM,
        team=people.retail,
        owner=both,
        slug="bea-model",
        name="Bea's model",
        purpose="p",
        ai_act_category="minimal",
        materiality_tier=3,
    )
    version = make_version(asset, owner=both)
    make_final_card(version, both)
    transition(version, V.SUBMITTED, actor=Actor.for_user(both))
    reasons = refused(GuardFailed, version, V.IN_VALIDATION, Actor.for_user(both))
    assert reasons == [
        "The asset's owner cannot validate it.",
        "The person who submitted the version cannot validate it.",
    ]


def test_a_submitter_who_is_not_the_owner_may_not_validate(people, cast):
    submitter = make_user("sam", ["owner", "validator"], [people.retail])
    version = make_version(make_asset(people.owner, people.retail))
    make_final_card(version)
    transition(version, V.SUBMITTED, actor=Actor.for_user(submitter))
    reasons = refused(GuardFailed, version, V.IN_VALIDATION, Actor.for_user(submitter))
    assert "The person who submitted the version cannot validate it." in reasons
    transition(version, V.IN_VALIDATION, actor=cast["validator"])  # an independent validator may


def test_only_the_claiming_validator_acts_on_a_claimed_version(cast):
    version = build(VERSION, V.IN_VALIDATION, cast)
    for to in (V.VALIDATED, V.SUBMITTED):
        refused(NotPermitted, version, to, cast["validator"])
    refused(NotPermitted, version, V.CHANGES_REQUESTED, cast["validator"], reason="x")
    transition(version, V.SUBMITTED, actor=cast["claiming_validator"])  # release
    version.refresh_from_db()
    assert version.validator is None
    transition(version, V.IN_VALIDATION, actor=cast["validator"])  # now the other one may claim
    version.refresh_from_db()
    assert version.validator_id == cast["validator"].user.pk


# --- approvals: only through a quorate request (lifecycle.approvals replaces the foundation's rule) ----


def test_nobody_approves_by_moving_the_stage_directly(cast):
    version = build(VERSION, V.VALIDATED, cast)
    for persona in ("approver", "team_approver"):
        reasons = refused(NotPermitted, version, V.APPROVED, cast[persona])
        assert "sign a decision on the open approval request" in reasons[0]
    refused(NotPermitted, version, V.APPROVED, cast["owner"])
    refused(NotPermitted, version, V.APPROVED, cast["claiming_validator"])
    approve_request(version, cast["approver"].user)
    assert version.stage == V.APPROVED
    step = StageTransition.objects.get(version=version, target=V.APPROVED)
    assert step.reason.startswith("Quorum reached")


def test_the_submitter_owner_or_validator_may_not_decide_even_holding_the_approver_role(people, cast):
    version = build(VERSION, V.VALIDATED, cast)
    for user in (people.owner, people.validator):  # the owner (and submitter); the version's validator
        accounts.grant_role(actor=SYSTEM, user=user, role="approver")
        user.forget_cached_access()
    request = open_request(version)
    with pytest.raises(NotEligible) as caught:
        decide_as(people.owner, request)
    assert caught.value.reasons == [
        "Members of the team that owns the asset cannot decide on it.",
        "The asset's owner cannot decide on it.",
        "The person who submitted the version cannot decide on it.",
    ]
    with pytest.raises(NotEligible) as caught:
        decide_as(people.validator, request)
    assert caught.value.reasons == ["The version's validator cannot also decide on it."]


def test_the_proposer_of_an_asset_may_not_approve_it(people):
    proposer = make_user("pia", ["owner", "approver"], [people.marketing])
    asset = make_asset(proposer, people.marketing)
    with pytest.raises(NotEligible) as caught:
        decide_as(proposer, open_request(asset))
    assert "The person who proposed the asset cannot decide on it." in caught.value.reasons


# --- reasons, gates and closed assets ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "source", "to", "persona"),
    [
        (ASSET, A.ACTIVE, A.RETIRED, "owner"),
        (VERSION, V.IN_VALIDATION, V.CHANGES_REQUESTED, "claiming_validator"),
        (VERSION, V.DEPLOYED, V.SUSPENDED, "integration_token"),
        (VERSION, V.SUSPENDED, V.DEPLOYED, "approver"),
        (VERSION, V.REGISTERED, V.RETIRED, "owner"),
        (VERSION, V.APPROVED, V.RETIRED, "owner"),
        (VERSION, V.DEPRECATED, V.RETIRED, "owner"),
        (VERSION, V.SUSPENDED, V.RETIRED, "owner"),
    ],
)
def test_a_reason_is_required_on_the_marked_edges(cast, kind, source, to, persona):
    obj = build(kind, source, cast)
    for blank in ("", "  \n\t"):
        assert refused(ReasonRequired, obj, to, cast[persona], reason=blank) == [
            "A reason is required for this change."
        ]
    step = transition(obj, to, actor=cast[persona], reason="  Model drift above threshold.  ")
    assert step.reason == "Model drift above threshold."


def test_a_missing_reason_is_listed_with_the_unmet_gates(cast):
    version = build(VERSION, V.VALIDATED, cast)
    assert refused(GuardFailed, version, V.REJECTED, cast["team_approver"]) == [
        "Approvers must not belong to the team that owns the asset.",
        "“Reject” is a signed decision: record it on the open approval request.",
        "A reason is required for this change.",
    ]


def test_an_asset_cannot_retire_while_a_version_is_deployed(cast):
    version = build(VERSION, V.DEPLOYED, cast)
    asset = version.asset
    reasons = refused(GuardFailed, asset, A.RETIRED, cast["owner"], reason="Replaced.")
    assert reasons == [f"Versions still deployed: {version.label}. Deprecate or retire them first."]
    [option] = available_transitions(asset, cast["owner"])
    assert option.edge.target == A.RETIRED and not option.enabled
    transition(version, V.DEPRECATED, actor=cast["owner"])
    transition(asset, A.RETIRED, actor=cast["owner"], reason="Replaced.")
    assert asset.stage == A.RETIRED


def test_a_version_of_an_unapproved_asset_cannot_be_deployed(cast):
    version = build(VERSION, V.VALIDATED, cast)
    approve_request(version, cast["approver"].user)
    for persona in ("owner", "integration_token"):
        assert refused(GuardFailed, version, V.DEPLOYED, cast[persona]) == [
            "The asset's proposal is proposed, not approved (active)."
        ]


@pytest.mark.parametrize("closing", [(A.REJECTED, "approver", "No."), (A.RETIRED, "owner", "Gone.")])
def test_versions_of_a_closed_asset_can_only_be_retired(cast, closing):
    stage, persona, reason = closing
    version = build(VERSION, V.REGISTERED, cast)
    asset = version.asset
    if stage == A.RETIRED:
        approve_request(asset, cast["approver"].user)
        transition(asset, stage, actor=cast[persona], reason=reason)
    else:
        approve_request(asset, cast[persona].user, meaning="reject", comment=reason)
    version.refresh_from_db()
    assert refused(GuardFailed, version, V.SUBMITTED, cast["owner"]) == [
        f"The asset is {stage}: its versions can only be retired."
    ]
    transition(version, V.RETIRED, actor=cast["owner"], reason="Asset closed.")


def test_a_stale_expected_stage_is_refused(cast):
    version = build(VERSION, V.SUBMITTED, cast)
    before = snapshot(version)
    with pytest.raises(StaleStage, match="someone moved it first"):
        transition(version, V.IN_VALIDATION, actor=cast["validator"], expected_from=V.REGISTERED)
    assert snapshot(version) == before
    transition(version, V.IN_VALIDATION, actor=cast["validator"], expected_from=V.SUBMITTED)


def test_deactivated_users_and_the_system_take_no_lifecycle_decisions(people, cast):
    version = build(VERSION, V.REGISTERED, cast)
    assert refused(NotPermitted, version, V.SUBMITTED, SYSTEM) == [
        "“Submit for validation” needs the asset's owner or an owner in its team; "
        "the system takes no lifecycle decisions."
    ]
    people.owner.is_active = False
    people.owner.save(update_fields=["is_active"])
    people.owner.forget_cached_access()
    refused(NotPermitted, version, V.SUBMITTED, Actor.for_user(people.owner))


# --- guards fail closed -------------------------------------------------------------------------------


def test_a_guard_that_raises_fails_closed(cast, monkeypatch):
    def flaky_check(ctx):
        raise RuntimeError("registry unreachable")

    key = (VERSION, V.REGISTERED, V.SUBMITTED)
    monkeypatch.setitem(guards.GUARDS, key, (*guards.GUARDS.get(key, ()), flaky_check))
    version = build(VERSION, V.REGISTERED, cast)
    reasons = refused(GuardFailed, version, V.SUBMITTED, cast["owner"])
    assert reasons == ["The check “flaky_check” could not be evaluated, so the change is refused."]
    [option] = [o for o in available_transitions(version, cast["owner"]) if o.edge.target == V.SUBMITTED]
    assert not option.enabled and option.unmet == reasons
    monkeypatch.undo()
    transition(version, V.SUBMITTED, actor=cast["owner"])


def test_every_unmet_reason_is_collected(cast, monkeypatch):
    key = (VERSION, V.REGISTERED, V.SUBMITTED)
    monkeypatch.setitem(guards.GUARDS, key, (lambda ctx: ["first"], lambda ctx: ["second", "third"]))
    version = build(VERSION, V.REGISTERED, cast)
    assert refused(GuardFailed, version, V.SUBMITTED, cast["owner"]) == ["first", "second", "third"]


# --- one transaction ----------------------------------------------------------------------------------


def test_a_transition_writes_stage_row_and_event_together(cast):
    version = build(VERSION, V.REGISTERED, cast)
    head = AuditEvent.objects.order_by("-seq").first().seq
    step = transition(version, V.SUBMITTED, actor=cast["owner"])
    version.refresh_from_db()
    event = AuditEvent.objects.get(seq=head + 1)
    assert version.stage == V.SUBMITTED and version.stage_changed_at == step.at
    assert event.action == AuditAction.STAGE_CHANGED and event.payload["transition"] == step.pk
    assert not AuditEvent.objects.filter(seq__gt=head + 1).exists()  # the event is the last write


def test_a_failing_listener_rolls_everything_back(cast):
    def listener(event):
        Team.objects.create(slug="written-by-listener", name="Listener")  # a row the listener writes
        raise RuntimeError("outbox unavailable")

    version = build(VERSION, V.REGISTERED, cast)
    before = snapshot(version)
    hooks.on_transition(listener)
    try:
        with pytest.raises(RuntimeError, match="outbox unavailable"):
            transition(version, V.SUBMITTED, actor=cast["owner"])
    finally:
        hooks._listeners.remove(listener)
    assert snapshot(version) == before
    assert not Team.objects.filter(slug="written-by-listener").exists()
    assert not StageTransition.objects.filter(version=version).exists()


def test_listeners_see_the_change_inside_the_transaction(cast):
    seen = []

    def listener(event):
        seen.append((event.source, event.target, event.step.pk, event.actor.name))

    version = build(VERSION, V.REGISTERED, cast)
    hooks.on_transition(listener)
    hooks.on_transition(listener)  # registering twice is harmless
    try:
        step = transition(version, V.SUBMITTED, actor=cast["owner"])
    finally:
        hooks._listeners.remove(listener)
    assert seen == [(V.REGISTERED, V.SUBMITTED, step.pk, cast["owner"].name)]
