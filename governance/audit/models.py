"""The ledger's rows: AuditEvent (append-only, hash-chained) and signed Checkpoints.

An event's canonical JSON text is what is hashed; every queryable column is *generated* from that
text by the database, so what is shown and what is verified can never disagree.
"""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any

from django.db import models
from django.db.models import F, Func


class CanonicalText(Func):
    """A text value at `path` inside the stored canonical JSON, as an immutable SQL expression."""

    output_field = models.CharField()

    def __init__(self, *path: str, **extra: Any) -> None:
        self.path = path
        super().__init__(F("canonical"), **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        keys = ",".join(self.path)
        return f"(({sql})::jsonb #>> '{{{keys}}}')", params

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, Any]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"json_extract({sql}, '$.{'.'.join(self.path)}')", params


class CanonicalTime(Func):
    """The event's UTC time as a timestamp column, derived from the canonical text.

    PostgreSQL: the text is always ISO 8601 with an explicit "Z", so the parse depends on no session
    setting; `steward_utc_timestamp` (created in migration 0001) declares that IMMUTABLE, which a
    generated column requires. SQLite: Django's own text format, so range filters compare correctly.
    """

    output_field = models.DateTimeField()

    def __init__(self, **extra: Any) -> None:
        super().__init__(F("canonical"), **extra)

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, list[Any]]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"steward_utc_timestamp((({sql})::jsonb ->> 'time'))", params

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> tuple[str, Any]:
        sql, params = compiler.compile(self.source_expressions[0])
        return f"replace(replace(json_extract({sql}, '$.time'), 'T', ' '), 'Z', '')", params


def _derived(path: tuple[str, ...], max_length: int) -> models.GeneratedField:
    return models.GeneratedField(
        expression=CanonicalText(*path),
        output_field=models.CharField(max_length=max_length, null=True),
        db_persist=True,
    )


class AuditEvent(models.Model):
    """One append-only ledger entry; UPDATE, DELETE and TRUNCATE are refused by database triggers."""

    seq = models.BigIntegerField(primary_key=True)
    canonical = models.TextField(
        help_text="RFC 8785 canonical JSON of the event; its UTF-8 bytes are hashed."
    )
    leaf = models.BinaryField(max_length=32)
    link = models.BinaryField(max_length=32)

    chain_id = _derived(("chain_id",), 32)
    time = models.GeneratedField(
        expression=CanonicalTime(), output_field=models.DateTimeField(), db_persist=True
    )
    action = _derived(("action",), 64)
    actor_kind = _derived(("actor", "kind"), 16)
    actor_id = _derived(("actor", "id"), 64)
    actor_name = _derived(("actor", "name"), 200)
    object_type = _derived(("object", "type"), 64)
    object_id = _derived(("object", "id"), 64)
    object_repr = _derived(("object", "repr"), 300)
    request_id = _derived(("request_id",), 64)

    class Meta:
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["time"], name="audit_event_time"),
            models.Index(fields=["action", "seq"], name="audit_event_action"),
            models.Index(fields=["object_type", "object_id", "seq"], name="audit_event_object"),
            models.Index(fields=["actor_kind", "actor_id", "seq"], name="audit_event_actor"),
            models.Index(fields=["request_id"], name="audit_event_request"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not kwargs.get("force_insert"):
            raise TypeError("Audit events are appended through governance.audit.ledger.record_event only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("Audit events are never deleted.")

    @cached_property
    def body(self) -> dict[str, Any]:
        return json.loads(self.canonical)

    @property
    def payload(self) -> Any:
        return self.body.get("payload")

    @property
    def leaf_hex(self) -> str:
        return bytes(self.leaf).hex()

    @property
    def link_hex(self) -> str:
        return bytes(self.link).hex()


class Checkpoint(models.Model):
    """A signed statement of the chain's size, head link and Merkle root (append-only, like events)."""

    chain_id = models.CharField(max_length=32)
    size = models.BigIntegerField()
    head = models.CharField(max_length=64, help_text="Hex link of the event at seq = size.")
    root = models.CharField(max_length=64, help_text="Hex RFC 6962 Merkle root over leaves 1..size.")
    key_id = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    statement = models.TextField(help_text="The canonical JSON that was signed.")
    signature = models.CharField(max_length=128, help_text="Base64 Ed25519 signature of the statement.")

    class Meta:
        ordering = ["-size"]
        constraints = [models.UniqueConstraint(fields=["chain_id", "size"], name="checkpoint_unique_size")]

    def __str__(self) -> str:
        return f"checkpoint {self.chain_id[:8]}@{self.size}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not kwargs.get("force_insert"):
            raise TypeError("Checkpoints are written by governance.audit.checkpoints.write_checkpoint only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise TypeError("Checkpoints are never deleted.")


class VerificationRun(models.Model):
    """The outcome of one full verification (operational record, shown on the audit-trail page)."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField()
    status = models.CharField(max_length=20)
    ok = models.BooleanField()
    chain_id = models.CharField(max_length=32, blank=True)
    size = models.BigIntegerField(default=0)
    head = models.CharField(max_length=64, blank=True)
    first_bad_seq = models.BigIntegerField(null=True, blank=True)
    problem = models.TextField(blank=True)
    checkpoints = models.JSONField(default=list)
    triggered_by = models.CharField(max_length=200)

    class Meta:
        ordering = ["-finished_at"]

    def __str__(self) -> str:
        return f"verification {self.status} at {self.finished_at:%Y-%m-%d %H:%M}"
