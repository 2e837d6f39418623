"""Ledger test helpers: appending through the real service, tampering as the table owner, bulk chains."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction

from governance.audit.actors import Actor
from governance.audit.event_types import AuditAction
from governance.audit.hashing import canonical_json, leaf_hash, link_hash
from governance.audit.jsonvalues import utc_iso
from governance.audit.ledger import FORMAT_VERSION, record_event
from governance.audit.models import AuditEvent

LEDGER_TABLES = ("audit_auditevent", "audit_checkpoint")
TESTER = Actor.system("ledger-tests")


def append(count: int, **payload: Any) -> list[AuditEvent]:
    """Append `count` events through record_event, each in its own transaction (as services do)."""
    events = []
    for i in range(count):
        with transaction.atomic():
            events.append(record_event(AuditAction.USER_UPDATED, actor=TESTER, payload={"i": i, **payload}))
    return events


@pytest.fixture
def chain(db) -> list[AuditEvent]:
    """A real 30-event chain: genesis (seq 1) and 29 events with payload {"i": 0..28}."""
    return append(29)


@contextmanager
def ledger_triggers_disabled() -> Iterator[None]:
    """Act as the table owner with the append-only triggers off, then switch them back on (ENABLE ALWAYS)."""
    with connection.cursor() as cursor:
        for table in LEDGER_TABLES:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for table in LEDGER_TABLES:
                cursor.execute(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_append_only")
                cursor.execute(f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {table}_no_truncate")


def trigger_states() -> dict[str, str]:
    """tgenabled of every user trigger on the ledger tables ('A' = ENABLE ALWAYS)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname, tgenabled FROM pg_trigger WHERE NOT tgisinternal AND tgrelid IN "
            "('audit_auditevent'::regclass, 'audit_checkpoint'::regclass)"
        )
        return dict(cursor.fetchall())


def sql(statement: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])
        return cursor.fetchall() if cursor.description else []


def stored(seq: int) -> tuple[bytes, bytes, bytes]:
    """(canonical bytes, leaf, link) of the stored row `seq`."""
    canonical, leaf, link = sql("SELECT canonical, leaf, link FROM audit_auditevent WHERE seq = %s", [seq])[0]
    return canonical.encode(), bytes(leaf), bytes(link)


def event_body(
    *,
    chain_id: str,
    seq: int,
    time: Any,
    payload: Any,
    action: str = AuditAction.USER_UPDATED,
    actor: Actor = TESTER,
    obj: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An event body in the ledger's format (ledger._append), for forging rows and bulk chains."""
    return {
        "v": FORMAT_VERSION,
        "chain_id": chain_id,
        "seq": seq,
        "time": time if isinstance(time, str) else utc_iso(time),
        "actor": actor.as_json(),
        "action": str(action),
        "object": obj,
        "payload": payload,
        "request_id": actor.request_id,
    }


def insert_raw(seq: int, canonical: bytes, leaf: bytes, link: bytes) -> None:
    sql(
        "INSERT INTO audit_auditevent (seq, canonical, leaf, link) VALUES (%s, %s, %s, %s)",
        [seq, canonical.decode(), leaf, link],
    )


def _copy_text(value: str) -> str:
    # COPY's text format: backslash, tab, newline and carriage return must be escaped.
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def extend_chain(count: int, *, reason_words: int = 4, flush_every: int = 20_000) -> None:
    """Append `count` events after the current head, hashed exactly as record_event hashes them, by COPY.

    The fast path for large chains: the canonical text, leaf and link are computed here in Python from
    the head onwards; the database derives the generated columns as for any insert.
    """
    seq, previous, chain_id, moment = AuditEvent.objects.order_by("-seq").values_list(
        "seq", "link", "chain_id", "time"
    )[0]
    previous = bytes(previous)
    actor = Actor.system("bulk-loader")
    filler = " ".join(["lorem"] * reason_words)
    buffer = io.StringIO()
    with connection.cursor() as cursor:
        for n in range(count):
            seq += 1
            moment += timedelta(microseconds=1)
            body = event_body(
                chain_id=chain_id,
                seq=seq,
                time=moment,
                actor=actor,
                action=AuditAction.STAGE_CHANGED,
                obj={"type": "inventory.assetversion", "id": str(seq % 997), "repr": f"Model {seq % 997}"},
                payload={"old": "submitted", "new": "in_validation", "reason": filler, "transition": seq},
            )
            canonical = canonical_json(body)
            leaf = leaf_hash(canonical)
            previous = link_hash(previous, leaf)
            buffer.write(
                f"{seq}\t{_copy_text(canonical.decode())}\t\\\\x{leaf.hex()}\t\\\\x{previous.hex()}\n"
            )
            if (n + 1) % flush_every == 0 or n + 1 == count:
                buffer.seek(0)
                cursor.copy_expert("COPY audit_auditevent (seq, canonical, leaf, link) FROM STDIN", buffer)
                buffer = io.StringIO()


def forge(
    seq: int, previous_link: bytes, chain_id: str, payload: Any, time: str
) -> tuple[bytes, bytes, bytes]:
    """A self-consistent forged event at `seq` following `previous_link`: (canonical, leaf, link)."""
    canonical = canonical_json(event_body(chain_id=chain_id, seq=seq, time=time, payload=payload))
    leaf = leaf_hash(canonical)
    return canonical, leaf, link_hash(previous_link, leaf)
