"""record_event's refusals: each leaves the ledger exactly as it was (no event, not even a genesis)."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from django.db import transaction

from governance.audit.event_types import AuditAction
from governance.audit.hashing import CanonicalizationError
from governance.audit.ledger import ObjectRef, chain_head, record_event
from governance.audit.models import AuditEvent
from tests.governance.audit.conftest import TESTER, append


def _refused(exc: type[Exception], match: str, **kwargs):
    before = list(AuditEvent.objects.values_list("seq", flat=True))
    with pytest.raises(exc, match=match), transaction.atomic():
        record_event(kwargs.pop("action", AuditAction.USER_UPDATED), actor=TESTER, **kwargs)
    assert list(AuditEvent.objects.values_list("seq", flat=True)) == before


def test_outside_a_transaction_is_refused_and_writes_nothing(transactional_db):
    with pytest.raises(RuntimeError, match="inside the caller's transaction"):
        record_event(AuditAction.USER_UPDATED, actor=TESTER, payload={})
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("action", ["account.user_exploded", "", "ledger", "USER_UPDATED"])
def test_unknown_actions_are_refused(db, action):
    _refused(ValueError, "unregistered audit action", action=action)
    assert chain_head() is None  # not even the genesis event was written


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf, [1.0, {"x": math.nan}]])
def test_nan_and_infinite_payloads_are_refused(db, bad):
    append(1)
    _refused(CanonicalizationError, "not representable", payload={"value": bad})


def test_integers_beyond_2_to_the_53_are_refused(db):
    _refused(CanonicalizationError, "safe integer", payload={"big": 2**53})
    assert chain_head() is None


def test_naive_datetimes_are_refused(db):
    _refused(ValueError, "naive datetimes", payload={"at": dt.datetime(2026, 1, 1, 12, 0)})
    assert chain_head() is None


def test_unknown_types_are_refused(db):
    _refused(TypeError, "cannot record a value of type", payload={"thing": object()})


def test_aware_datetimes_and_other_values_are_normalised(db):
    with transaction.atomic():
        event = record_event(
            AuditAction.USER_UPDATED,
            actor=TESTER,
            obj=ObjectRef("inventory.asset", "7", "Credit model"),
            payload={
                "at": dt.datetime(2026, 1, 1, 13, 0, tzinfo=dt.timezone(dt.timedelta(hours=1))),
                "day": dt.date(2026, 1, 2),
                "tags": {"b", "a"},
                "ratio": 0.1,
            },
        )
    stored = AuditEvent.objects.get(seq=event.seq)
    assert stored.payload == {
        "at": "2026-01-01T12:00:00.000000Z",
        "day": "2026-01-02",
        "tags": ["a", "b"],
        "ratio": 0.1,
    }
    assert (stored.object_type, stored.object_id, stored.object_repr) == (
        "inventory.asset",
        "7",
        "Credit model",
    )


def test_a_rolled_back_transaction_takes_its_event_with_it(db):
    append(2)
    head = chain_head()

    def failing_service():
        with transaction.atomic():
            record_event(AuditAction.USER_UPDATED, actor=TESTER, payload={})
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        failing_service()
    assert chain_head() == head
    assert append(1)[0].seq == head.size + 1


def test_the_returned_event_is_the_stored_one_with_its_derived_columns(db):
    with transaction.atomic():
        event = record_event(
            AuditAction.USER_UPDATED, actor=TESTER, obj=ObjectRef("inventory.asset", "9", "Fraud model")
        )
    stored = AuditEvent.objects.get(seq=event.seq)
    for field in AuditEvent._meta.concrete_fields:
        mine, theirs = getattr(event, field.attname), getattr(stored, field.attname)
        if isinstance(theirs, memoryview):
            mine, theirs = bytes(mine), bytes(theirs)
        assert mine == theirs, field.name
    assert not event._state.adding and event.time.tzinfo is not None
