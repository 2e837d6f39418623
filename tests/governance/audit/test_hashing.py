"""The fixed hash format (DESIGN §4): leaf and link with domain separation, genesis, chain ids."""

from __future__ import annotations

import hashlib
import json

from django.db import transaction

from governance.audit.event_types import AuditAction
from governance.audit.hashing import GENESIS_LINK, canonical_json, leaf_hash, link_hash, node_hash
from governance.audit.jsonvalues import utc_iso
from governance.audit.ledger import chain_head, record_event
from governance.audit.models import AuditEvent
from tests.governance.audit.conftest import TESTER, append, ledger_triggers_disabled, sql

CANONICAL = b'{"a":1}'
# Computed once by hand (hashlib over the literal bytes) and frozen: the hash format never changes.
LEAF = "c7261463ebd776f4650b6d0fe942d9cc38c925d90f77d440ab6df8d5dd258c5f"  # SHA-256(00 ‖ {"a":1})
PLAIN = "015abd7f5cc57a2dd94b7590f04ad8084273905ee33ec5cebeae62276a97f862"  # SHA-256({"a":1}), not used
LINK_1 = "f7c844ee46acd6298b40fc30dc37b59d67311e2e0e9af49f0ed54d4ba1930aef"  # SHA-256(01 ‖ 0^32 ‖ LEAF)
LINK_2 = "79423a0cab23c1420eba94e01cb574dd84e82fb4cd8d2782040beb577b8f4809"  # SHA-256(01 ‖ LINK_1 ‖ LEAF)


def test_leaf_is_sha256_of_0x00_and_the_canonical_bytes():
    assert canonical_json({"a": 1}) == CANONICAL
    assert leaf_hash(CANONICAL).hex() == LEAF
    assert leaf_hash(CANONICAL) == hashlib.sha256(b"\x00" + CANONICAL).digest()
    assert leaf_hash(CANONICAL).hex() != PLAIN  # domain separated from a bare hash of the text


def test_link_is_sha256_of_0x01_previous_link_and_leaf():
    leaf = bytes.fromhex(LEAF)
    assert link_hash(GENESIS_LINK, leaf).hex() == LINK_1
    assert link_hash(bytes.fromhex(LINK_1), leaf).hex() == LINK_2
    assert link_hash(GENESIS_LINK, leaf) == hashlib.sha256(b"\x01" + bytes(32) + leaf).digest()
    # A link is an RFC 6962 interior node over (previous, leaf); it can never equal a leaf of the same bytes.
    assert link_hash(GENESIS_LINK, leaf) == node_hash(GENESIS_LINK, leaf)
    assert link_hash(GENESIS_LINK, leaf) != leaf_hash(GENESIS_LINK + leaf)


def test_values_are_raw_32_byte_digests_and_genesis_is_32_zero_bytes():
    assert GENESIS_LINK == b"\x00" * 32
    assert len(leaf_hash(b"")) == 32 and len(link_hash(GENESIS_LINK, leaf_hash(b""))) == 32


def test_the_first_event_links_to_32_zero_bytes_and_each_next_to_its_predecessor(db):
    events = append(3)
    rows = sql("SELECT seq, canonical, leaf, link FROM audit_auditevent ORDER BY seq")
    assert [r[0] for r in rows] == [1, 2, 3, 4] and events[-1].seq == 4
    previous = b"\x00" * 32
    for _, canonical, leaf, link in rows:
        expected_leaf = hashlib.sha256(b"\x00" + canonical.encode("utf-8")).digest()
        assert bytes(leaf) == expected_leaf
        assert bytes(link) == hashlib.sha256(b"\x01" + previous + expected_leaf).digest()
        previous = bytes(link)
    assert chain_head().link == previous


def test_genesis_event_opens_every_chain(db):
    append(1)
    genesis = AuditEvent.objects.get(seq=1)
    assert genesis.action == AuditAction.LEDGER_GENESIS
    assert genesis.actor_kind == "system" and genesis.body["payload"]["format_version"] == 1
    assert AuditEvent.objects.get(seq=2).action == AuditAction.USER_UPDATED


def test_stored_text_is_canonical_and_columns_are_derived_from_it(db):
    with transaction.atomic():
        event = record_event(
            AuditAction.USER_UPDATED, actor=TESTER, payload={"z": 1, "a": ["é", 1.5], "old": None}
        )
    event = AuditEvent.objects.get(seq=event.seq)
    body = json.loads(event.canonical)
    assert canonical_json(body).decode() == event.canonical
    assert list(body) == sorted(body)
    assert set(body) == {"v", "chain_id", "seq", "time", "actor", "action", "object", "payload", "request_id"}
    assert (event.chain_id, event.action, event.actor_kind, event.actor_name) == (
        body["chain_id"],
        "account.user_updated",
        "system",
        "ledger-tests",
    )
    assert utc_iso(event.time) == body["time"]  # the time column is parsed from the text, to the µs


def test_chain_id_is_random_per_chain_and_carried_by_every_event(db):
    append(3)
    first = chain_head().chain_id
    assert len(first) == 32 and int(first, 16) >= 0
    assert set(AuditEvent.objects.values_list("chain_id", flat=True)) == {first}
    with ledger_triggers_disabled():  # start over, as a fresh installation would
        sql("DELETE FROM audit_auditevent")
    append(1)
    second = chain_head().chain_id
    assert second != first and len(second) == 32
    assert AuditEvent.objects.get(seq=1).action == AuditAction.LEDGER_GENESIS


def test_seq_and_time_never_go_backwards(db):
    append(20)
    rows = list(AuditEvent.objects.order_by("seq").values_list("seq", "time"))
    assert [s for s, _ in rows] == list(range(1, 22))
    times = [t for _, t in rows]
    assert times == sorted(times)
