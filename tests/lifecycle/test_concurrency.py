"""Two people moving one version at the same moment: the row lock lets exactly one win."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection

from governance.audit.event_types import AuditAction
from governance.audit.models import AuditEvent
from governance.audit.verification import verify_chain
from lifecycle import hooks
from lifecycle.exceptions import StaleStage, TransitionNotAllowed
from lifecycle.models import StageTransition
from lifecycle.stages import VERSION, VersionStage
from lifecycle.transitions import transition
from tests.lifecycle.conftest import build

V = VersionStage


@pytest.mark.slow
@pytest.mark.parametrize("expected_from", [None, V.SUBMITTED])
def test_two_validators_race_to_claim_and_exactly_one_wins(transactional_db, cast, expected_from):
    version = build(VERSION, V.SUBMITTED, cast)
    start = threading.Barrier(2)

    def hold_the_lock_a_little(event):  # widen the window: the winner commits only after the loser arrives
        time.sleep(0.3)

    hooks.on_transition(hold_the_lock_a_little)
    results: dict[str, object] = {}

    def claim(persona: str) -> None:
        try:
            start.wait()
            results[persona] = transition(
                type(version).objects.get(pk=version.pk),
                V.IN_VALIDATION,
                actor=cast[persona],
                expected_from=expected_from,
            )
        except Exception as exc:  # the loser's refusal, checked below
            results[persona] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(p,)) for p in ("validator", "claiming_validator")]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            thread.join(timeout=60)
    finally:
        hooks._listeners.remove(hold_the_lock_a_little)

    winners = [p for p, r in results.items() if isinstance(r, StageTransition)]
    losers = [r for r in results.values() if not isinstance(r, StageTransition)]
    assert len(winners) == 1 and len(losers) == 1, results
    loser_type = StaleStage if expected_from else TransitionNotAllowed
    assert isinstance(losers[0], loser_type), losers
    version.refresh_from_db()
    assert version.stage == V.IN_VALIDATION and version.validator_id == cast[winners[0]].user.pk
    claims = StageTransition.objects.filter(version=version, target=V.IN_VALIDATION)
    assert claims.count() == 1
    events = AuditEvent.objects.filter(
        action=AuditAction.STAGE_CHANGED, object_id=str(version.pk), object_type="inventory.assetversion"
    )
    assert [e.payload["new"] for e in events.order_by("seq")] == [V.SUBMITTED, V.IN_VALIDATION]
    assert verify_chain().ok
