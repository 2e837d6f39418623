"""Point-in-time answers come from the transition rows: the stage of X at time T."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from lifecycle.exceptions import LifecycleError
from lifecycle.queries import history, stage_at
from lifecycle.stages import AssetStage, VersionStage
from lifecycle.transitions import transition
from tests.factories import activate, make_asset, make_final_card, make_version

V, A = VersionStage, AssetStage
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def test_stage_at_replays_the_history(people, cast):
    with time_machine.travel(at(0), tick=False):
        asset = make_asset(people.owner, people.retail)
        version = make_version(asset)
        make_final_card(version)
    with time_machine.travel(at(1), tick=False):
        transition(version, V.SUBMITTED, actor=cast["owner"])
    with time_machine.travel(at(2), tick=False):
        transition(version, V.IN_VALIDATION, actor=cast["claiming_validator"])
    with time_machine.travel(at(3), tick=False):
        transition(version, V.SUBMITTED, actor=cast["claiming_validator"])  # released
    with time_machine.travel(at(5), tick=False):
        activate(asset, people.approver)  # the proposal's quorum approves it (two signed decisions)

    assert stage_at(version, at(-1)) is None  # did not exist yet
    assert stage_at(version, at(0)) == V.REGISTERED
    assert stage_at(version, at(0.99)) == V.REGISTERED
    assert stage_at(version, at(1)) == V.SUBMITTED  # a change counts from its own instant
    assert stage_at(version, at(2.5)) == V.IN_VALIDATION
    assert stage_at(version, at(3)) == V.SUBMITTED
    assert stage_at(version, at(100)) == V.SUBMITTED
    assert stage_at(asset, at(4.9)) == A.PROPOSED
    assert stage_at(asset, at(5)) == A.ACTIVE
    assert [(h.source, h.target) for h in history(version)] == [
        (V.REGISTERED, V.SUBMITTED),
        (V.SUBMITTED, V.IN_VALIDATION),
        (V.IN_VALIDATION, V.SUBMITTED),
    ]
    assert [h.target for h in history(asset)] == [A.ACTIVE]  # the asset's own moves only


def test_two_changes_in_the_same_instant_keep_their_order(people, cast):
    with time_machine.travel(at(0), tick=False):
        version = make_version(make_asset(people.owner, people.retail))
        make_final_card(version)
        transition(version, V.SUBMITTED, actor=cast["owner"])
        transition(version, V.REGISTERED, actor=cast["owner"])
        transition(version, V.SUBMITTED, actor=cast["owner"])
        transition(version, V.REGISTERED, actor=cast["owner"])
    assert stage_at(version, at(0)) == V.REGISTERED
    assert [h.target for h in history(version)] == [V.SUBMITTED, V.REGISTERED, V.SUBMITTED, V.REGISTERED]


def test_refused_moves_leave_no_trace_in_the_history(people, cast):
    with time_machine.travel(at(0), tick=False):
        version = make_version(make_asset(people.owner, people.retail))
    with time_machine.travel(at(1), tick=False):
        for persona, to in [("approver", V.SUBMITTED), ("owner", V.DEPLOYED), ("owner", "nowhere")]:
            with pytest.raises(LifecycleError):
                transition(version, to, actor=cast[persona])
    assert stage_at(version, at(2)) == V.REGISTERED and not history(version).exists()
