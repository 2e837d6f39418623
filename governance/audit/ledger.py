"""Appending to and verifying the hash-chained audit ledger (DESIGN §4).

`record_event` is called by every service, inside the service's transaction and as its *last*
database step: it takes the append lock, so holding it briefly keeps writers flowing.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from governance.audit.actors import Actor
from governance.audit.event_types import AuditAction
from governance.audit.hashing import (
    GENESIS_LINK,
    CanonicalizationError,
    canonical_json,
    leaf_hash,
    link_hash,
)
from governance.audit.jsonvalues import to_json_value, utc_iso
from governance.audit.models import AuditEvent

__all__ = [
    "CanonicalizationError",
    "ObjectRef",
    "canonical_json",
    "chain_head",
    "object_ref",
    "record_event",
]

FORMAT_VERSION = 1
# pg_advisory_xact_lock key: "Steward" in ASCII. Released by the database at commit or rollback.
APPEND_LOCK_KEY = 0x53746577617264
SYSTEM_GENESIS_ACTOR = Actor.system("steward")
_REGISTERED_ACTIONS = frozenset(AuditAction.values)  # `.values` builds a new list on every access


@dataclass(frozen=True)
class ObjectRef:
    """What an event is about: app label + model, primary key and a readable snapshot."""

    type: str
    id: str
    repr: str

    def as_json(self) -> dict[str, str]:
        return {"type": self.type, "id": self.id, "repr": self.repr}


def object_ref(obj: models.Model) -> ObjectRef:
    return ObjectRef(obj._meta.label_lower, str(obj.pk), str(obj)[:300])


@dataclass(frozen=True)
class ChainHead:
    chain_id: str
    size: int
    link: bytes


# The append path runs once per governed write, under the append lock: on PostgreSQL it takes two
# round trips (lock and head together, then the insert) and no ORM query building.
_HEAD_SQL = "SELECT seq, link, chain_id, time FROM audit_auditevent ORDER BY seq DESC LIMIT 1"
_GENERATED = [f for f in AuditEvent._meta.concrete_fields if f.generated]
_RETURNING = ", ".join(str(f.column) for f in _GENERATED)
_INSERT_SQL = (  # constant identifiers only
    "INSERT INTO audit_auditevent (seq, canonical, leaf, link) VALUES (%s, %s, %s, %s) "  # noqa: S608
    f"RETURNING {_RETURNING}"
)


def _read_head() -> tuple[int, Any, str, Any] | None:
    """(seq, link, chain_id, time) of the newest event; `link` may be a memoryview."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_HEAD_SQL)
            row = cursor.fetchone()
            return None if row is None else (row[0], row[1], row[2], row[3])
    return AuditEvent.objects.order_by("-seq").values_list("seq", "link", "chain_id", "time").first()


def _lock_and_read_head() -> tuple[int, Any, str, Any] | None:
    """Take the append lock, then read the head under it.

    PostgreSQL: both statements go in one round trip; the SELECT is a statement of its own, so under
    READ COMMITTED it takes its snapshot after the lock is granted and sees the previous holder's
    event. SQLite needs no extra lock: Steward opens every SQLite transaction IMMEDIATE, which already
    holds the database's single write lock until commit.
    """
    if connection.vendor != "postgresql":
        return _read_head()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_advisory_xact_lock(%s); {_HEAD_SQL}", [APPEND_LOCK_KEY])
        row = cursor.fetchone()
    return None if row is None else (row[0], row[1], row[2], row[3])


def _insert(event: AuditEvent, leaf: bytes, link: bytes) -> None:
    """Insert a new event and take its generated columns back, as save(force_insert=True) does."""
    if connection.vendor != "postgresql":
        event.save(force_insert=True)
        return
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_SQL, [event.seq, event.canonical, leaf, link])
        returned = cursor.fetchone()
    for field, value in zip(_GENERATED, returned, strict=True):
        setattr(event, field.attname, value)
    event._state.adding = False
    event._state.db = connection.alias


def _append(
    *,
    seq: int,
    chain_id: str,
    previous_link: bytes,
    moment: Any,
    actor: Actor,
    action: str,
    ref: ObjectRef | None,
    payload: Any,
) -> AuditEvent:
    body = {
        "v": FORMAT_VERSION,
        "chain_id": chain_id,
        "seq": seq,
        "time": utc_iso(moment),
        "actor": actor.as_json(),
        "action": action,
        "object": ref.as_json() if ref else None,
        "payload": payload,
        "request_id": actor.request_id,
    }
    canonical = canonical_json(body)
    leaf = leaf_hash(canonical)
    link = link_hash(previous_link, leaf)
    event = AuditEvent(seq=seq, canonical=canonical.decode("utf-8"), leaf=leaf, link=link)
    _insert(event, leaf, link)
    return event


def record_event(
    action: AuditAction,
    *,
    actor: Actor,
    obj: models.Model | ObjectRef | None = None,
    payload: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain, in the caller's transaction; returns the stored event.

    Guarantees: the action is registered; `seq` is the head's plus one and time never goes backwards,
    both assigned under the append lock; the payload is canonical JSON (NaN, infinities and unknown
    types are refused with CanonicalizationError/TypeError before anything is written).
    """
    if not connection.in_atomic_block:
        raise RuntimeError("record_event() must run inside the caller's transaction.atomic() block")
    if action not in _REGISTERED_ACTIONS:
        raise ValueError(f"unregistered audit action {action!r}")
    ref = object_ref(obj) if isinstance(obj, models.Model) else obj
    json_payload = to_json_value(dict(payload or {}))
    canonical_json(json_payload)  # refuse a bad payload before taking the lock

    head = _lock_and_read_head()
    moment = timezone.now()
    if head is None:
        chain_id = secrets.token_hex(16)
        genesis = _append(
            seq=1,
            chain_id=chain_id,
            previous_link=GENESIS_LINK,
            moment=moment,
            actor=SYSTEM_GENESIS_ACTOR,
            action=AuditAction.LEDGER_GENESIS,
            ref=None,
            payload={"hash_format": "rfc8785/sha256 leaf 0x00, link 0x01", "format_version": FORMAT_VERSION},
        )
        seq, previous_link = 1, bytes(genesis.link)
    else:
        seq, previous_link, chain_id, head_time = head[0], bytes(head[1]), head[2], head[3]
        moment = max(moment, head_time)
    return _append(
        seq=seq + 1,
        chain_id=chain_id,
        previous_link=previous_link,
        moment=moment,
        actor=actor,
        action=str(action),
        ref=ref,
        payload=json_payload,
    )


def chain_head() -> ChainHead | None:
    """The current head (chain id, size, link), or None for an empty ledger."""
    head = _read_head()
    if head is None:
        return None
    return ChainHead(chain_id=head[2], size=head[0], link=bytes(head[1]))


def stream_batches(
    *, columns: str, upto: int | None = None, batch: int = 2_000
) -> Iterator[list[tuple[Any, ...]]]:
    """Stream raw ledger rows in seq order, `batch` rows at a time, with a server-side cursor.

    One snapshot on PostgreSQL. Small batches keep memory flat (a few MB) and are also faster than
    large ones: the rows of one batch stay in the CPU caches while they are hashed.
    """
    table = AuditEvent._meta.db_table
    where = "WHERE seq <= %s" if upto is not None else ""
    params = [upto] if upto is not None else []
    sql = f"SELECT {columns} FROM {table} {where} ORDER BY seq"  # noqa: S608 - constant identifiers
    with transaction.atomic():
        if connection.vendor == "postgresql":
            connection.ensure_connection()
            raw = connection.connection.cursor(name=f"steward_ledger_{secrets.token_hex(4)}")
            raw.itersize = batch
        else:
            raw = connection.cursor()
        try:
            raw.execute(sql, params)
            while rows := raw.fetchmany(batch):
                yield rows
        finally:
            raw.close()


def copy_rows(*, columns: str, sink: Any) -> None:
    """PostgreSQL: stream every row in seq order as binary COPY into `sink.write` (one statement,
    so one snapshot). libpq returns COPY data one row at a time; the first also carries the header."""
    table = AuditEvent._meta.db_table
    sql = f"COPY (SELECT {columns} FROM {table} ORDER BY seq) TO STDOUT (FORMAT binary)"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.copy_expert(sql, sink)


def stream_rows(*, columns: str, upto: int | None = None, batch: int = 2_000) -> Iterator[tuple[Any, ...]]:
    """Stream raw ledger rows in seq order with a server-side cursor (one snapshot on PostgreSQL)."""
    for rows in stream_batches(columns=columns, upto=upto, batch=batch):
        yield from rows
