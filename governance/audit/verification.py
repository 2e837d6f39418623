"""Verifying the ledger: stream every stored row, re-hash the stored bytes, check the latest checkpoints.

The report names the first bad `seq` and what disagrees. Cost per event is two SHA-256 calls and a
few byte comparisons — rows are never re-serialised, because the stored canonical text *is* the
hashed input.
"""

from __future__ import annotations

import hashlib
import json
import struct
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from governance.audit import keys
from governance.audit.checkpoints import SignedCheckpoint, database_checkpoints, external_checkpoints
from governance.audit.hashing import GENESIS_LINK, LEAF_PREFIX, NODE_PREFIX
from governance.audit.ledger import copy_rows, stream_batches

INTACT, BROKEN, DIFFERENT_CHAIN, EMPTY = "intact", "broken", "different_chain", "empty"


@dataclass
class CheckpointResult:
    source: str
    size: int | None
    ok: bool
    message: str


@dataclass
class ChainReport:
    """The outcome of a verification; `first_bad_seq` is None unless the chain is broken."""

    status: str
    chain_id: str | None = None
    size: int = 0
    head: str | None = None
    first_bad_seq: int | None = None
    problem: str = ""
    checkpoints: list[CheckpointResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status in {INTACT, EMPTY}

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "status": self.status,
            "chain_id": self.chain_id,
            "size": self.size,
            "head": self.head,
            "first_bad_seq": self.first_bad_seq,
            "problem": self.problem,
            "checkpoints": [c.__dict__ for c in self.checkpoints],
        }


def _seq_in_canonical(canonical: bytes) -> int | None:
    # The top-level "seq" is the last `,"seq":` in RFC 8785 text: only "time" and "v" sort after it.
    start = canonical.rfind(b',"seq":')
    if start < 0:
        return None
    start += 7
    end = canonical.find(b",", start)
    try:
        return int(canonical[start:end])
    except ValueError:
        return None


def verify_chain(*, check_checkpoints: bool = True) -> ChainReport:
    """Verify every event and the latest checkpoints (database and external directory).

    Guarantees: any edited, deleted, reordered or inserted row is reported at the first seq where the
    stored chain stops following from genesis; a truncated tail or rollback is reported against a
    checkpoint that covers more events; a ledger with another chain id is reported as a different chain.
    """
    public_key = keys.load_public_key() if check_checkpoints else None
    candidates: list[SignedCheckpoint] = []
    external: list[SignedCheckpoint] = []
    if check_checkpoints:
        external = external_checkpoints()
        candidates = database_checkpoints() + external
    wanted_sizes = {c.size for c in candidates if "size" in c.statement}
    links_at: dict[int, bytes] = {}
    roots_at: dict[int, bytes] = {}

    report = ChainReport(status=EMPTY)
    previous = _walk_chain(report, wanted_sizes, links_at, roots_at)
    report.head = previous.hex() if report.size else None
    if report.first_bad_seq is not None:
        report.status = BROKEN
    elif report.size:
        report.status = INTACT
    if public_key is not None and report.status != BROKEN:
        _check_checkpoints(report, candidates, public_key, links_at, roots_at)
        _check_chain_identity(report, external, public_key)
    return report


def _walk_chain(
    report: ChainReport, wanted_sizes: set[int], links_at: dict[int, bytes], roots_at: dict[int, bytes]
) -> bytes:
    """Re-hash every stored row in seq order; returns the last good link (the head when intact).

    PostgreSQL streams the rows as binary COPY: no per-row cursor round trips, no hex-encoded bytea,
    and the database produces rows while Python hashes the previous ones. Elsewhere a cursor.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT chain_id FROM audit_auditevent WHERE seq = 1")
        row = cursor.fetchone()
    walk = _Walk(report, wanted_sizes, links_at, roots_at, first_chain_id=row[0] if row else None)
    other_chain = "chain_id IS DISTINCT FROM (SELECT chain_id FROM audit_auditevent WHERE seq = 1)"
    if connection.vendor == "postgresql":
        copy_rows(
            columns=f"seq, leaf, link, {other_chain}, convert_to(canonical, 'UTF8')",
            sink=_CopyRows(walk.step),
        )
    else:
        columns = f"seq, leaf, link, {other_chain}, CAST(canonical AS BLOB)"
        for rows in stream_batches(columns=columns):
            if not all(walk.step(r[0], bytes(r[4]), bytes(r[1]), bytes(r[2]), r[3]) for r in rows):
                break
    report.size = walk.expected - 1
    return walk.previous


class _Walk:
    """The chain check, one `step` per stored row, in seq order.

    The hot path per event: two SHA-256 calls, two 32-byte comparisons and a byte search for the seq;
    the Merkle roots the checkpoints need are folded in as the leaves go by. Anything unusual goes to
    _diagnose, which applies the checks one by one, in order, and names what disagrees.
    """

    __slots__ = (
        "expected",
        "first_chain_id",
        "links_at",
        "merkle_upto",
        "previous",
        "report",
        "roots_at",
        "subtrees",
        "wanted_sizes",
    )

    def __init__(
        self,
        report: ChainReport,
        wanted_sizes: set[int],
        links_at: dict[int, bytes],
        roots_at: dict[int, bytes],
        first_chain_id: str | None,
    ) -> None:
        self.report, self.wanted_sizes, self.links_at, self.roots_at = (
            report,
            wanted_sizes,
            links_at,
            roots_at,
        )
        self.first_chain_id = first_chain_id
        self.merkle_upto = max(wanted_sizes, default=0)
        # Roots of the perfect subtrees over the leaves so far (merkle.MerkleAccumulator, without the
        # heights: after leaf n, as many merges happen as n has trailing zero bits).
        self.subtrees: list[bytes] = []
        self.expected, self.previous = 1, GENESIS_LINK

    def step(
        self, seq: int, canonical: bytes, stored_leaf: bytes, stored_link: bytes, other_chain: Any
    ) -> bool:
        """Check one row; False (and the report says where and why) when the chain breaks here."""
        report = self.report
        if seq != self.expected:
            report.first_bad_seq = self.expected
            report.problem = (
                f"seq {self.expected} is missing (the next stored event is seq {seq}): a row was deleted"
            )
            return False
        if seq == 1:
            report.chain_id = self.first_chain_id
        leaf = _sha256(LEAF_PREFIX + canonical).digest()
        link = _sha256(NODE_PREFIX + self.previous + leaf).digest()
        at = canonical.rfind(b',"seq":')
        if (
            other_chain
            or leaf != stored_leaf
            or link != stored_link
            or at < 0
            or not canonical.startswith(b"%d," % seq, at + 7)
        ) and _diagnose(report, seq, canonical, stored_leaf, stored_link, leaf, link, other_chain):
            return False
        self.previous = link
        if seq <= self.merkle_upto:
            subtrees = self.subtrees
            subtrees.append(leaf)
            n = seq
            while not n & 1:
                right = subtrees.pop()
                subtrees[-1] = _sha256(NODE_PREFIX + subtrees[-1] + right).digest()
                n >>= 1
            if seq in self.wanted_sizes:
                self.roots_at[seq] = _fold(subtrees)
                self.links_at[seq] = link
        self.expected = seq + 1
        return True


_sha256 = hashlib.sha256
_COPY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
# The fixed part of a row of copy_rows' five columns: field count, then each field's length and value
# (seq 8 bytes, leaf 32, link 32, the chain flag 1), then the canonical text's length.
_ROW = struct.Struct(">hiqi32si32si?i")


class _CopyRows:
    """Binary COPY sink: libpq hands over one row per write() (the first also carries the file header)."""

    def __init__(self, step: Any) -> None:
        self.step = step
        self.first = True
        self.stopped = False

    def write(self, data: bytes) -> None:
        if self.stopped:
            return
        if self.first and data.startswith(_COPY_SIGNATURE):
            data = data[19 + int.from_bytes(data[15:19], "big") :]
            self.first = False
        if len(data) <= 2:  # the trailer: -1 as the field count
            return
        if len(data) >= _ROW.size:
            fields, len_seq, seq, len_leaf, leaf, len_link, link, len_flag, other, _ = _ROW.unpack_from(data)
            if fields == 5 and len_seq == 8 and len_leaf == 32 and len_link == 32 and len_flag == 1:
                if not self.step(seq, data[_ROW.size :], leaf, link, other):
                    self.stopped = True
                return
        # Hashes of another length (a tampered row): read the fields by their lengths.
        seq_bytes, leaf, link, flag, canonical = _copy_fields(data)
        if not self.step(
            int.from_bytes(seq_bytes, "big", signed=True), canonical, leaf, link, flag != b"\x00"
        ):
            self.stopped = True


def _copy_fields(data: bytes) -> list[bytes]:
    fields, at = [], 2
    for _ in range(int.from_bytes(data[:2], "big")):
        size = int.from_bytes(data[at : at + 4], "big", signed=True)
        fields.append(data[at + 4 : at + 4 + max(size, 0)])
        at += 4 + max(size, 0)
    return fields


def _fold(subtrees: list[bytes]) -> bytes:
    """The RFC 6962 root of the leaves so far: fold the perfect subtrees from the right."""
    digest = subtrees[-1]
    for left in reversed(subtrees[:-1]):
        digest = _sha256(NODE_PREFIX + left + digest).digest()
    return digest


def _diagnose(
    report: ChainReport,
    seq: int,
    canonical: bytes,
    stored_leaf: bytes,
    stored_link: bytes,
    leaf: bytes,
    link: bytes,
    other_chain: Any,
) -> bool:
    """The checks in the order a reader expects them; True (and the report filled in) when one fails."""
    if leaf != stored_leaf:
        report.first_bad_seq = seq
        report.problem = f"seq {seq}: stored content does not match its leaf hash (the event was edited)"
        return True
    claimed = _seq_in_canonical(canonical)
    if claimed != seq:
        report.first_bad_seq = seq
        report.problem = (
            f"seq {seq}: the stored event says it is seq {claimed} (rows were renumbered, moved or inserted)"
        )
        return True
    if link != stored_link:
        report.first_bad_seq = seq
        report.problem = (
            f"seq {seq}: link does not follow from seq {seq - 1} (rows were reordered, inserted or re-hashed)"
        )
        return True
    if other_chain:
        chain_id = json.loads(canonical).get("chain_id")
        report.first_bad_seq = seq
        report.problem = f"seq {seq}: belongs to chain {chain_id}, not {report.chain_id}"
        return True
    return False


def _check_checkpoints(
    report: ChainReport,
    candidates: list[SignedCheckpoint],
    public_key: Any,
    links_at: dict[int, bytes],
    roots_at: dict[int, bytes],
) -> None:
    last_good_size = 0
    for checkpoint in sorted(candidates, key=lambda c: c.size if "size" in c.statement else -1):
        result = CheckpointResult(checkpoint.source, checkpoint.statement.get("size"), False, "")
        report.checkpoints.append(result)
        if "size" not in checkpoint.statement:
            result.message = "unreadable checkpoint"
            continue
        if not checkpoint.signature_valid(public_key):
            if checkpoint.statement.get("key_id") != keys.key_id(public_key):
                # Signed by another (e.g. a rotated-out) key: not evidence either way.
                result.message = "signed with another key; not used"
                continue
            # Claims the current key but its signature fails: someone altered a checkpoint.
            result.message = "signature invalid: the checkpoint was altered"
            if report.status != BROKEN:
                report.status = BROKEN
                report.problem = (
                    f"{checkpoint.source} claims Steward's signing key but its signature does not verify: "
                    "a checkpoint was altered or forged"
                )
            continue
        if report.chain_id is not None and checkpoint.chain_id != report.chain_id:
            result.message = f"checkpoint of another chain ({checkpoint.chain_id})"
            continue
        if checkpoint.size > report.size:
            result.message = f"covers {checkpoint.size} events but the chain has only {report.size}"
            if report.status != BROKEN:
                report.status = BROKEN
                report.first_bad_seq = report.size + 1
                report.problem = (
                    f"the chain ends at seq {report.size} but a checkpoint signed at "
                    f"{checkpoint.statement.get('time')} covers seq {checkpoint.size}: "
                    "the tail was truncated or the database was rolled back"
                )
            continue
        if links_at.get(checkpoint.size, b"").hex() != checkpoint.head or (
            roots_at.get(checkpoint.size, b"").hex() != checkpoint.root
        ):
            result.message = "head or Merkle root differs from the stored chain"
            if report.status != BROKEN:
                report.status = BROKEN
                report.first_bad_seq = last_good_size + 1
                report.problem = (
                    f"the stored chain disagrees with the checkpoint at size {checkpoint.size}: "
                    f"history between seq {last_good_size + 1} and {checkpoint.size} was rewritten"
                )
            continue
        result.ok = True
        result.message = "signature valid; head and Merkle root match"
        last_good_size = checkpoint.size


def _check_chain_identity(report: ChainReport, external: list[SignedCheckpoint], public_key: Any) -> None:
    """The newest external checkpoint is the anchor: if it names another chain, this is another ledger."""
    signed = [c for c in external if "chain_id" in c.statement and c.signature_valid(public_key)]
    if not signed or report.status == BROKEN or report.chain_id is None:
        return
    newest = signed[0]
    if newest.chain_id != report.chain_id:
        report.status = DIFFERENT_CHAIN
        report.problem = (
            f"this database holds chain {report.chain_id}, but the newest external checkpoint is for chain "
            f"{newest.chain_id}: a different ledger, not a rollback of this one"
        )
