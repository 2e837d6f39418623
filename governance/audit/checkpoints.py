"""Signed checkpoints of the chain, kept in the database *and* in a directory outside it.

A checkpoint signs {chain_id, size, head link, Merkle root over the leaves, key_id, time}. The
external copy is what reveals a truncated tail or a rolled-back database (DESIGN §4).
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from governance.audit import keys
from governance.audit.hashing import canonical_json
from governance.audit.jsonvalues import utc_iso
from governance.audit.ledger import chain_head, stream_rows
from governance.audit.merkle import MerkleAccumulator
from governance.audit.models import Checkpoint

FILE_PATTERN = re.compile(r"^(?P<chain>[0-9a-f]{32})-(?P<size>\d{12})\.json$")


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint as read from anywhere (database, file, report bundle), not yet trusted."""

    source: str
    statement: dict[str, Any]
    signature: str

    @property
    def chain_id(self) -> str:
        return str(self.statement["chain_id"])

    @property
    def size(self) -> int:
        return int(self.statement["size"])

    @property
    def head(self) -> str:
        return str(self.statement["head"])

    @property
    def root(self) -> str:
        return str(self.statement["root"])

    def signature_valid(self, public_key: Any) -> bool:
        return self.statement.get("key_id") == keys.key_id(public_key) and keys.signature_is_valid(
            public_key, canonical_json(self.statement), self.signature
        )

    def as_json(self) -> dict[str, Any]:
        return {"statement": self.statement, "signature": self.signature}


def merkle_root_upto(size: int) -> bytes:
    acc = MerkleAccumulator()
    for (leaf,) in stream_rows(columns="leaf", upto=size):
        acc.add(bytes(leaf))
    return acc.root()


def checkpoint_dir() -> Path:
    return Path(settings.STEWARD_CHECKPOINT_DIR)


def _write_file(signed: SignedCheckpoint) -> Path:
    directory = checkpoint_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{signed.chain_id}-{signed.size:012d}.json"
    data = json.dumps(signed.as_json() | {"public_key": keys.public_key_pem()}, indent=2).encode()
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".checkpoint-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)  # atomic: a reader never sees half a checkpoint
    except BaseException:
        Path(tmp).unlink(missing_ok=True)  # no half-written temporaries left behind
        raise
    return path


def write_checkpoint() -> Checkpoint | None:
    """Sign the current head and store it in the database and the checkpoint directory.

    Idempotent: when the head has not moved since the last checkpoint, returns that one. Returns
    None for an empty ledger.
    """
    head = chain_head()
    if head is None:
        return None
    existing = Checkpoint.objects.filter(chain_id=head.chain_id, size=head.size).first()
    if existing is not None:
        return existing
    signing_key = keys.load_signing_key()
    now = timezone.now()
    statement: dict[str, Any] = {
        "chain_id": head.chain_id,
        "size": head.size,
        "head": head.link.hex(),
        "root": merkle_root_upto(head.size).hex(),
        "key_id": keys.key_id(signing_key.public_key()),
        "time": utc_iso(now),
    }
    signed = SignedCheckpoint("new", statement, keys.sign(signing_key, canonical_json(statement)))
    _write_file(signed)
    checkpoint = Checkpoint(
        chain_id=head.chain_id,
        size=head.size,
        head=statement["head"],
        root=statement["root"],
        key_id=statement["key_id"],
        signed_at=now,
        statement=canonical_json(statement).decode(),
        signature=signed.signature,
    )
    try:
        with transaction.atomic():
            checkpoint.save(force_insert=True)
    except IntegrityError:  # another writer signed the same head first
        return Checkpoint.objects.get(chain_id=head.chain_id, size=head.size)
    return checkpoint


def database_checkpoints(limit: int = 3) -> list[SignedCheckpoint]:
    rows = Checkpoint.objects.order_by("-size", "-id")[:limit]
    return [SignedCheckpoint(f"database #{row.pk}", json.loads(row.statement), row.signature) for row in rows]


def external_checkpoints(limit: int = 3) -> list[SignedCheckpoint]:
    """The newest checkpoint files of each chain found in the directory, newest signing time first."""
    directory = checkpoint_dir()
    if not directory.is_dir():
        return []
    by_chain: dict[str, list[tuple[int, Path]]] = {}
    for entry in directory.iterdir():
        if match := FILE_PATTERN.match(entry.name):
            by_chain.setdefault(match["chain"], []).append((int(match["size"]), entry))
    found: list[SignedCheckpoint] = []
    for entries in by_chain.values():
        for _, path in sorted(entries, reverse=True)[:limit]:
            try:
                data = json.loads(path.read_text())
                found.append(SignedCheckpoint(f"file {path.name}", data["statement"], data["signature"]))
            except (OSError, ValueError, KeyError, TypeError):
                found.append(SignedCheckpoint(f"file {path.name}", {"unreadable": True}, ""))
    found.sort(key=lambda c: str(c.statement.get("time", "")), reverse=True)
    return found
