"""Every (from, to, persona) of both stage tables, through transition() and available_transitions().

The expectations are written here from DESIGN §3 and the foundation's rules (the stage table, who
holds which role, validator and approver independence), not read back from lifecycle's own tables,
so a change to either side shows up as a failure. Every refusal must leave nothing behind.
"""

from __future__ import annotations

import pytest
from django.db import transaction

from governance.audit.event_types import AuditAction
from governance.audit.models import AuditEvent
from governance.inventory.models import AssetVersion
from lifecycle.exceptions import (
    GuardFailed,
    LifecycleError,
    NotPermitted,
    ReasonRequired,
    TransitionNotAllowed,
    UnknownStage,
)
from lifecycle.models import StageTransition
from lifecycle.stages import ASSET, EDGES, STAGES, VERSION, AssetStage, VersionStage
from lifecycle.transitions import available_transitions, transition
from tests.lifecycle.conftest import PERSONAS, build, fresh, snapshot

V, A = VersionStage, AssetStage
OK = "ok"

# DESIGN §3 transcribed: (kind, from, to) -> (who may take it, reason required).
TABLE: dict[tuple[str, str, str], tuple[frozenset[str], bool]] = {
    (ASSET, A.PROPOSED, A.ACTIVE): (frozenset({"quorum"}), False),
    (ASSET, A.PROPOSED, A.REJECTED): (frozenset({"approver"}), True),
    (ASSET, A.ACTIVE, A.RETIRED): (frozenset({"owner"}), True),
    (VERSION, V.REGISTERED, V.SUBMITTED): (frozenset({"owner"}), False),
    (VERSION, V.SUBMITTED, V.REGISTERED): (frozenset({"owner"}), False),
    (VERSION, V.SUBMITTED, V.IN_VALIDATION): (frozenset({"validator"}), False),
    (VERSION, V.IN_VALIDATION, V.SUBMITTED): (frozenset({"claiming_validator"}), False),
    (VERSION, V.IN_VALIDATION, V.CHANGES_REQUESTED): (frozenset({"claiming_validator"}), True),
    (VERSION, V.CHANGES_REQUESTED, V.SUBMITTED): (frozenset({"owner"}), False),
    (VERSION, V.IN_VALIDATION, V.VALIDATED): (frozenset({"claiming_validator"}), False),
    (VERSION, V.VALIDATED, V.APPROVED): (frozenset({"quorum"}), False),
    (VERSION, V.VALIDATED, V.CHANGES_REQUESTED): (frozenset({"approver"}), True),
    (VERSION, V.VALIDATED, V.REJECTED): (frozenset({"approver"}), True),
    (VERSION, V.APPROVED, V.DEPLOYED): (frozenset({"owner", "integration"}), False),
    (VERSION, V.DEPLOYED, V.SUSPENDED): (frozenset({"approver", "validator", "integration"}), True),
    (VERSION, V.SUSPENDED, V.DEPLOYED): (frozenset({"approver"}), True),
    (VERSION, V.DEPLOYED, V.DEPRECATED): (frozenset({"owner", "integration"}), False),
    (VERSION, V.REGISTERED, V.RETIRED): (frozenset({"owner"}), True),
    (VERSION, V.APPROVED, V.RETIRED): (frozenset({"owner"}), True),
    (VERSION, V.DEPRECATED, V.RETIRED): (frozenset({"owner"}), True),
    (VERSION, V.SUSPENDED, V.RETIRED): (frozenset({"owner"}), True),
}

# Which personas hold each "by" of the table (the claiming validator: the one who claimed the version).
HOLDERS = {
    "owner": {"owner"},
    "validator": {"validator", "claiming_validator"},
    "claiming_validator": {"claiming_validator"},
    "approver": {"approver", "team_approver"},
    # Nobody takes a quorum edge directly: only a quorate approval request does (lifecycle.approvals).
    "quorum": set(),
    "integration": {"integration_token"},
}
# Edges guarded by approver independence: an approver in the owning team is refused by the gate.
INDEPENDENT_APPROVAL = {
    (ASSET, A.PROPOSED, A.ACTIVE),
    (ASSET, A.PROPOSED, A.REJECTED),
    (VERSION, V.VALIDATED, V.APPROVED),
    (VERSION, V.VALIDATED, V.REJECTED),
    (VERSION, V.VALIDATED, V.CHANGES_REQUESTED),
}
# Approvers' edges that are signed decisions: taken only through the open approval request.
SIGNED_DECISIONS = {
    (ASSET, A.PROPOSED, A.REJECTED),
    (VERSION, V.VALIDATED, V.REJECTED),
    (VERSION, V.VALIDATED, V.CHANGES_REQUESTED),
}
FROM_STAGES = [(ASSET, s) for s in AssetStage.values] + [(VERSION, s) for s in VersionStage.values]


def test_the_stage_table_is_design_section_3():
    actual = {
        (e.kind, e.source, e.target): (frozenset(str(b) for b in e.by), e.reason_required) for e in EDGES
    }
    assert actual == TABLE
    assert len(EDGES) == len(TABLE)


def expected_outcome(kind: str, source: str, target: str, persona: str):
    spec = TABLE.get((kind, source, target))
    if spec is None:
        return TransitionNotAllowed
    who, _ = spec
    if persona == "read_token":
        return NotPermitted
    if persona == "integration_token":
        permitted = "integration" in who
    else:
        permitted = any(persona in HOLDERS[b] for b in who if b != "integration")
    if not permitted:
        return NotPermitted
    if (kind, source, target) in INDEPENDENT_APPROVAL and persona == "team_approver":
        return GuardFailed
    if (kind, source, target) in SIGNED_DECISIONS:
        return GuardFailed  # a rejection or send-back is a signed decision on the approval request
    return OK


def _assert_written(obj, before, step, target, actor, reason):
    """One stage change, one StageTransition and one stage_changed event — the ledger's newest."""
    row, transitions, events, head = before
    now = snapshot(obj)
    assert now[0]["stage"] == target and now[0]["stage_changed_at"] > row["stage_changed_at"]
    # Entering `validated` also opens the approval request (its own audit event, before the transition's).
    opened = 1 if isinstance(obj, AssetVersion) and target == V.VALIDATED else 0
    assert now[1:3] == (transitions + 1, events + 1 + opened)
    assert (step.source, step.target, step.reason) == (row["stage"], target, reason)
    assert (step.actor_kind, step.actor_id, step.actor_name) == (actor.kind, actor.id, actor.name)
    assert step.actor_user_id == actor.user.pk
    event = AuditEvent.objects.get(seq=now[3])
    assert now[3] == (head or 0) + 1 + opened and event.action == AuditAction.STAGE_CHANGED
    assert (event.object_type, event.object_id) == (obj._meta.label_lower, str(obj.pk))
    assert event.actor_id == actor.id
    assert event.payload == {
        "kind": VERSION if isinstance(obj, AssetVersion) else ASSET,
        "asset": (obj.asset if isinstance(obj, AssetVersion) else obj).slug,
        "old": row["stage"],
        "new": target,
        "reason": reason,
        "transition": step.pk,
    }
    if isinstance(obj, AssetVersion) and target == V.IN_VALIDATION:
        assert now[0]["validator_id"] == actor.user.pk
    if isinstance(obj, AssetVersion) and row["stage"] == V.IN_VALIDATION and target == V.SUBMITTED:
        assert now[0]["validator_id"] is None


def attempt(obj, target: str, actor, reason: str = ""):
    """Try one move in a savepoint that is always rolled back; check a refusal wrote nothing."""
    savepoint = transaction.savepoint_create()
    try:
        before = snapshot(obj)
        refusal = None
        try:
            step = transition(fresh(obj), target, actor=actor, reason=reason)
        except LifecycleError as exc:
            refusal = exc
        if refusal is not None:
            assert snapshot(obj) == before, f"{type(refusal).__name__} left something behind"
            assert refusal.reasons and all(isinstance(r, str) and r for r in refusal.reasons)
            return type(refusal)
        _assert_written(obj, before, step, target, actor, reason)
        return OK
    finally:
        transaction.savepoint_rollback(savepoint)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize(("kind", "source"), FROM_STAGES)
def test_every_move_from_every_stage_for_every_persona(cast, kind, source, persona):
    obj = build(kind, source, cast)
    actor = cast[persona]
    outcomes, expected = {}, {}
    for target in STAGES[kind].values:
        spec = TABLE.get((kind, source, target))
        want = expected_outcome(kind, source, target, persona)
        if spec and spec[1]:  # a reason is required: first without one (blank), then with one
            expected[(target, "no reason")] = ReasonRequired if want == OK else want
            outcomes[(target, "no reason")] = attempt(obj, target, actor, reason="   ")
            expected[(target, "reason")] = want
            outcomes[(target, "reason")] = attempt(obj, target, actor, reason="Documented in the file.")
        else:
            expected[target] = want
            outcomes[target] = attempt(obj, target, actor)
    assert outcomes == expected

    # The doors agree: available_transitions offers exactly the edges transition() does not refuse by
    # table or role, enabled exactly when transition() succeeds (a missing reason is asked for, not a gate).
    def final(target):
        return outcomes.get((target, "reason"), outcomes.get(target))

    offered = {o.edge.target: o for o in available_transitions(fresh(obj), actor)}
    assert set(offered) == {t for t in STAGES[kind].values if final(t) in (OK, GuardFailed)}
    assert {t for t, o in offered.items() if o.enabled} == {t for t in STAGES[kind].values if final(t) == OK}
    for option in offered.values():
        assert option.enabled or option.unmet


@pytest.mark.parametrize(
    ("kind", "source"), [(ASSET, A.PROPOSED), (VERSION, V.REGISTERED), (VERSION, V.DEPLOYED)]
)
def test_unknown_stages_are_bad_input_and_write_nothing(cast, kind, source):
    obj = build(kind, source, cast)
    other_kind = {ASSET: "submitted", VERSION: "active"}[kind]
    for target in ("flying", "", "Registered", other_kind):
        for persona in ("owner", "admin", "read_token"):
            assert attempt(obj, target, cast[persona]) is UnknownStage


def test_final_stages_have_no_way_out():
    for kind, stages in STAGES.items():
        for stage in stages.values:
            has_exit = any(k == kind and s == stage for k, s, _ in TABLE)
            assert has_exit == (stage not in {"rejected", "retired"}), (kind, stage)


def test_refusals_carry_their_http_status():
    assert (UnknownStage.http_status, ReasonRequired.http_status) == (400, 400)
    assert NotPermitted.http_status == 403
    assert (TransitionNotAllowed.http_status, GuardFailed.http_status) == (409, 409)
    assert StageTransition._meta.get_field("reason")  # where the reason is kept
