"""The report's evidence bundle (JSON) and event table (CSV), embedded in the PDF/A-3 file.

The JSON holds the facts exactly as the sections show them; each event in scope with its canonical
text, leaf, link and previous link; an RFC 9162 inclusion proof of each leaf (and of the report
certificate's enrolment event) against the signed checkpoint; the checkpoint, its Ed25519 signature
and public key. Both files are written in one stream over the scope's events, so memory grows with
the proofs (a few hundred bytes an event), never with the chain's length.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery

from governance.audit.checkpoints import SignedCheckpoint
from governance.audit.ledger import stream_rows
from governance.audit.models import AuditEvent
from governance.reports.proofs import inclusion_proofs

BUNDLE_FORMAT = "steward.audit-report-bundle"
BUNDLE_VERSION = 1
BUNDLE_NAME = "steward-report-bundle.json"
CSV_NAME = "steward-report-events.csv"
CSV_COLUMNS = [
    "seq",
    "time",
    "action",
    "actor_kind",
    "actor_id",
    "actor_name",
    "object_type",
    "object_id",
    "object_repr",
    "request_id",
    "leaf",
    "link",
    "canonical",
]
DETAIL_LIMIT = 160


class TooManyEvents(ValueError):
    """The scope holds more events than one report may carry (STEWARD_REPORT_MAX_EVENTS)."""


@dataclass
class EventsPart:
    """What the events section shows, and the numbers the bundle needs."""

    total: int
    rows: list[dict[str, Any]]


@dataclass
class Bundle:
    json_bytes: bytes
    csv_bytes: bytes
    events: EventsPart

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.json_bytes).hexdigest()

    @property
    def csv_sha256(self) -> str:
        return hashlib.sha256(self.csv_bytes).hexdigest()


def _details(payload: Any) -> str:
    """A short, plain-text summary of an event's payload for the table (the full text is attached)."""
    if not isinstance(payload, dict):
        return ""
    if "old" in payload and "new" in payload and not isinstance(payload["new"], dict):
        text = f"{payload['old']} → {payload['new']}"
        if payload.get("reason"):
            text += f" ({payload['reason']})"
    else:
        parts = []
        for key, value in payload.items():
            if isinstance(value, dict | list):
                value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
            parts.append(f"{key}: {value}")
        text = "; ".join(parts)
    return text if len(text) <= DETAIL_LIMIT else text[: DETAIL_LIMIT - 1] + "…"


def _rows(events: QuerySet[AuditEvent]) -> Iterator[tuple[Any, ...]]:
    previous = AuditEvent.objects.filter(seq=OuterRef("seq") - 1).values("link")[:1]
    yield from (
        events.annotate(previous_link=Subquery(previous))
        .values_list("seq", "canonical", "leaf", "link", "previous_link")
        .iterator(chunk_size=2000)
    )


def _event_entry(
    seq: int, canonical: str, leaf: bytes, link: bytes, previous: bytes | None, proof: list[bytes]
) -> dict[str, Any]:
    return {
        "seq": seq,
        "canonical": canonical,
        "leaf": bytes(leaf).hex(),
        "link": bytes(link).hex(),
        "previous_link": bytes(previous).hex() if previous is not None else "00" * 32,
        "proof": [node.hex() for node in proof],
    }


def build_bundle(
    *,
    events: QuerySet[AuditEvent],
    checkpoint: SignedCheckpoint,
    checkpoint_public_key_pem: str,
    certificate: dict[str, Any],
    certificate_event: AuditEvent,
    header: dict[str, Any],
    facts_for: Any,
    row_cap: int,
    max_events: int,
) -> Bundle:
    """Write the JSON bundle and CSV for `events` (seq ≤ the checkpoint's size).

    `facts_for(events_part)` is called once the table rows are known and returns the sections' facts
    (the events section shows those rows), so the bundle holds exactly what the PDF prints.
    """
    seqs = list(events.values_list("seq", flat=True))
    if len(seqs) > max_events:
        raise TooManyEvents(
            f"The scope holds {len(seqs):,} audit events; one report carries at most {max_events:,}. "
            "Narrow the date range or the scope."
        )
    wanted = {seq - 1 for seq in seqs} | {certificate_event.seq - 1}
    proof_set = inclusion_proofs(
        (bytes(leaf) for (leaf,) in stream_rows(columns="leaf", upto=checkpoint.size)),
        checkpoint.size,
        wanted,
    )
    if proof_set.root.hex() != checkpoint.root:
        raise ValueError("the ledger's Merkle root differs from the checkpoint's: the chain was rewritten")

    table_rows: list[dict[str, Any]] = []
    csv_buffer = io.StringIO()
    writer = csv.writer(csv_buffer)
    writer.writerow(CSV_COLUMNS)
    event_chunks: list[bytes] = []
    for seq, canonical, leaf, link, previous in _rows(events):
        entry = _event_entry(seq, canonical, leaf, link, previous, proof_set.proofs[seq - 1])
        if event_chunks:
            event_chunks.append(b",")
        event_chunks.append(json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode())
        body = json.loads(canonical)
        actor = body.get("actor") or {}
        obj = body.get("object") or {}
        writer.writerow(
            [
                seq,
                body.get("time"),
                body.get("action"),
                actor.get("kind"),
                actor.get("id"),
                actor.get("name"),
                obj.get("type"),
                obj.get("id"),
                obj.get("repr"),
                body.get("request_id"),
                entry["leaf"],
                entry["link"],
                canonical,
            ]
        )
        if len(table_rows) < row_cap:
            table_rows.append(
                {
                    "seq": seq,
                    "time": body.get("time"),
                    "action": body.get("action"),
                    "actor": actor.get("name"),
                    "object": obj.get("repr") or obj.get("type") or "",
                    "details": _details(body.get("payload")),
                }
            )
    events_part = EventsPart(total=len(seqs), rows=table_rows)
    seq, canonical, leaf, link, previous = next(_rows(AuditEvent.objects.filter(seq=certificate_event.seq)))
    enrolment = _event_entry(
        seq, canonical, leaf, link, previous, proof_set.proofs[certificate_event.seq - 1]
    )
    document = {
        "format": BUNDLE_FORMAT,
        "format_version": BUNDLE_VERSION,
        **header,
        "facts": facts_for(events_part),
        "checkpoint": checkpoint.as_json() | {"public_key_pem": checkpoint_public_key_pem},
        "certificate": certificate | {"enrolment": enrolment},
        "event_count": len(seqs),
    }
    head = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    # The events array is spliced in as bytes, so the (large) list is never one Python object graph
    # and the document exists once as text.
    json_bytes = b"".join([head[:-1], b',"events":[', *event_chunks, b"]}"])
    del event_chunks
    return Bundle(
        json_bytes=json_bytes,
        csv_bytes=csv_buffer.getvalue().encode("utf-8"),
        events=events_part,
    )
