"""The tamper matrix (DESIGN §4): every way of rewriting stored history, each caught at its exact first bad seq.

Each test acts as the table owner would: it switches the append-only triggers off inside the test's
transaction (ALTER TABLE … DISABLE TRIGGER USER), rewrites rows with raw SQL, switches them back on
(ENABLE ALWAYS) and verifies. The chain fixture is genesis (seq 1) plus 29 events, seq 2..30.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings

from governance.audit.checkpoints import write_checkpoint
from governance.audit.hashing import leaf_hash, link_hash
from governance.audit.ledger import chain_head
from governance.audit.models import Checkpoint
from governance.audit.verification import BROKEN, DIFFERENT_CHAIN, INTACT, verify_chain
from tests.governance.audit.conftest import (
    append,
    forge,
    insert_raw,
    ledger_triggers_disabled,
    sql,
    stored,
    trigger_states,
)

K = 12  # the row the tampering starts at


def broken_at(seq: int, problem: str = "") -> None:
    report = verify_chain()
    assert report.status == BROKEN, report.as_json()
    assert report.first_bad_seq == seq, report.as_json()
    assert problem in report.problem
    assert not report.ok


def test_the_untouched_chain_verifies_and_the_triggers_are_back_on_after_tampering(chain):
    report = verify_chain()
    assert report.status == INTACT and report.ok and report.size == 30 and report.first_bad_seq is None
    assert report.head == chain_head().link.hex()
    with ledger_triggers_disabled():
        assert set(trigger_states().values()) == {"D"}
    assert trigger_states() == {
        "audit_auditevent_append_only": "A",
        "audit_auditevent_no_truncate": "A",
        "audit_checkpoint_append_only": "A",
        "audit_checkpoint_no_truncate": "A",
    }


def test_edited_row_content_changed_hashes_left(chain):
    with ledger_triggers_disabled():
        sql(
            "UPDATE audit_auditevent SET canonical = replace(canonical, '\"i\":10', '\"i\":99') WHERE seq = %s",
            [K],
        )
    assert json.loads(stored(K)[0])["payload"] == {"i": 99}
    broken_at(K, "does not match its leaf hash")


def test_edited_row_rehashed_but_links_left(chain):
    """The editor recomputes the leaf of the edited row; its link no longer follows."""
    canonical = stored(K)[0].replace(b'"i":10', b'"i":99')
    with ledger_triggers_disabled():
        sql(
            "UPDATE audit_auditevent SET canonical = %s, leaf = %s WHERE seq = %s",
            [canonical.decode(), leaf_hash(canonical), K],
        )
    broken_at(K, "link does not follow")


def test_deleted_row(chain):
    with ledger_triggers_disabled():
        sql("DELETE FROM audit_auditevent WHERE seq = %s", [K])
    broken_at(K, f"seq {K} is missing")


def test_deleted_row_with_the_gap_closed(chain):
    """Row K deleted and every later row renumbered -1: row K now holds the event that says it is K+1."""
    with ledger_triggers_disabled():
        sql("DELETE FROM audit_auditevent WHERE seq = %s", [K])
        sql("UPDATE audit_auditevent SET seq = seq + 1000000 WHERE seq > %s", [K])
        sql("UPDATE audit_auditevent SET seq = seq - 1000001 WHERE seq > 1000000")
    broken_at(K, f"says it is seq {K + 1}")


def test_two_rows_swapped(chain):
    """Rows K and K+1 exchange their whole contents (text, leaf and link), keeping their seq."""
    with ledger_triggers_disabled():
        sql(
            "UPDATE audit_auditevent AS a SET canonical = b.canonical, leaf = b.leaf, link = b.link "
            "FROM audit_auditevent AS b WHERE (a.seq, b.seq) IN ((%s, %s), (%s, %s))",
            [K, K + 1, K + 1, K],
        )
    assert json.loads(stored(K)[0])["seq"] == K + 1
    broken_at(K, f"says it is seq {K + 1}")


def test_forged_row_inserted_in_the_middle(chain):
    """Rows after K renumbered +1, and a forged event inserted at K+1.

    The forged event is self-consistent: its text says seq K+1, its leaf hashes its text and its link
    follows from K's link, so it verifies. The first bad seq is K+2, where the moved event (which
    says it is K+1, and whose link follows from the real K) now sits.
    """
    _, _, link_k = stored(K)
    body = json.loads(stored(K + 1)[0])
    forged = forge(K + 1, link_k, body["chain_id"], {"i": "forged"}, body["time"])
    with ledger_triggers_disabled():
        sql("UPDATE audit_auditevent SET seq = seq + 1000000 WHERE seq > %s", [K])
        sql("UPDATE audit_auditevent SET seq = seq - 999999 WHERE seq > 1000000")
        insert_raw(K + 1, *forged)
    broken_at(K + 2, f"says it is seq {K + 1}")


def test_forged_tail_row_with_a_wrong_link(chain):
    """A forged event appended at 31 with a correct leaf but a link that does not follow from seq 30."""
    body = json.loads(stored(30)[0])
    canonical, leaf, _ = forge(31, bytes(32), body["chain_id"], {"i": "forged"}, body["time"])
    with ledger_triggers_disabled():
        insert_raw(31, canonical, leaf, link_hash(b"\xff" * 32, leaf))
    broken_at(31, "link does not follow from seq 30")


def test_forged_row_from_another_chain(chain):
    """A self-consistently linked tail row whose text names another chain id."""
    _, _, link_30 = stored(30)
    body = json.loads(stored(30)[0])
    forged = forge(31, link_30, "f" * 32, {"i": "forged"}, body["time"])
    with ledger_triggers_disabled():
        insert_raw(31, *forged)
    broken_at(31, "belongs to chain")


def test_truncated_tail_is_caught_only_against_the_external_checkpoint(chain):
    """A checkpoint at 30; then the last 5 rows and the database's checkpoint row are removed (a rollback).

    The stored chain 1..25 is consistent by itself, so only the checkpoint file outside the database
    shows the loss: the first bad seq is 26, the first deleted event.
    """
    write_checkpoint()
    with ledger_triggers_disabled():
        sql("DELETE FROM audit_auditevent WHERE seq > 25")
        sql("DELETE FROM audit_checkpoint")
    broken_at(26, "covers seq 30")
    report = verify_chain()
    assert [(c.source.split()[0], c.ok) for c in report.checkpoints] == [("file", False)]

    # Without the external copy the loss is invisible: that is why the copy lives outside the database.
    external = Path(settings.STEWARD_CHECKPOINT_DIR)
    for path in external.iterdir():
        path.rename(path.with_suffix(".moved"))
    assert verify_chain().status == INTACT


def test_truncated_tail_is_also_caught_against_the_database_checkpoint(chain):
    write_checkpoint()
    with ledger_triggers_disabled():
        sql("DELETE FROM audit_auditevent WHERE seq > 27")
    broken_at(28, "tail was truncated")


def test_rewritten_and_rehashed_history_is_caught_between_the_checkpoints_that_bound_it(db):
    """Checkpoints at 10 and 30, then seq 15 edited and every link from 15 on recomputed.

    The stored chain is self-consistent again, so only the checkpoints can tell: the one at 10 still
    matches, the one at 30 does not, so the first bad seq is 11.
    """
    append(9)
    write_checkpoint()
    append(20)
    write_checkpoint()
    assert sorted(Checkpoint.objects.values_list("size", flat=True)) == [10, 30]
    assert verify_chain().ok

    _, _, previous = stored(14)
    with ledger_triggers_disabled():
        for seq in range(15, 31):
            canonical = stored(seq)[0]
            if seq == 15:
                canonical = canonical.replace(b'"i":4}', b'"i":99}')
            leaf = leaf_hash(canonical)
            previous = link_hash(previous, leaf)
            sql(
                "UPDATE audit_auditevent SET canonical = %s, leaf = %s, link = %s WHERE seq = %s",
                [canonical.decode(), leaf, previous, seq],
            )
    broken_at(11, "history between seq 11 and 30 was rewritten")
    results = {(c.size, c.ok) for c in verify_chain().checkpoints}
    assert results == {(10, True), (30, False)}


def test_a_database_from_another_chain_is_told_apart(chain):
    """The checkpoint directory holds chain A's checkpoint; the database now holds a new chain B.

    That is a different ledger (restored from elsewhere, or re-initialised), not a rollback of A:
    status different_chain, no first bad seq.
    """
    write_checkpoint()
    chain_a = chain_head().chain_id
    with ledger_triggers_disabled():
        sql("DELETE FROM audit_auditevent")
        sql("DELETE FROM audit_checkpoint")
    append(40)  # chain B is even longer than A's checkpoint
    report = verify_chain()
    assert report.chain_id != chain_a
    assert report.status == DIFFERENT_CHAIN and not report.ok
    assert report.first_bad_seq is None
    assert chain_a in report.problem and report.chain_id in report.problem
    assert [c.message for c in report.checkpoints] == [f"checkpoint of another chain ({chain_a})"]


@pytest.mark.parametrize("where", [2, 30])
def test_a_changed_chain_id_in_one_row_is_caught_at_that_row(chain, where):
    with ledger_triggers_disabled():
        sql(
            'UPDATE audit_auditevent SET canonical = regexp_replace(canonical, \'"chain_id":"[0-9a-f]+"\', '
            "'\"chain_id\":\"' || repeat('e', 32) || '\"') WHERE seq = %s",
            [where],
        )
    broken_at(where, "does not match its leaf hash")


@pytest.mark.parametrize("length", [0, 31, 33, 64])
def test_a_stored_leaf_of_the_wrong_length_is_caught_at_its_row(chain, length):
    leaf = stored(K)[1]
    with ledger_triggers_disabled():
        sql("UPDATE audit_auditevent SET leaf = %s WHERE seq = %s", [(leaf * 3)[:length], K])
    broken_at(K, "does not match its leaf hash")


def test_hash_bytes_shifted_between_leaf_and_link_are_caught(chain):
    """leaf||link unchanged as a whole, but one byte moved from the leaf column to the link column."""
    _, leaf, link = stored(K)
    with ledger_triggers_disabled():
        sql(
            "UPDATE audit_auditevent SET leaf = %s, link = %s WHERE seq = %s",
            [leaf[:31], leaf[31:] + link, K],
        )
    broken_at(K, "does not match its leaf hash")
