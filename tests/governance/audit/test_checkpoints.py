"""Signed checkpoints: what is signed, atomic files outside the database, signature checks."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from django.conf import settings

from governance.audit import checkpoints, keys
from governance.audit.checkpoints import SignedCheckpoint, external_checkpoints, write_checkpoint
from governance.audit.hashing import canonical_json
from governance.audit.jsonvalues import utc_iso
from governance.audit.ledger import chain_head
from governance.audit.merkle import merkle_root
from governance.audit.models import AuditEvent, Checkpoint
from governance.audit.verification import INTACT, verify_chain
from tests.governance.audit.conftest import append


def checkpoint_files() -> list[Path]:
    return sorted(Path(settings.STEWARD_CHECKPOINT_DIR).iterdir())


def test_a_checkpoint_signs_chain_size_head_root_key_and_time(chain):
    checkpoint = write_checkpoint()
    head = chain_head()
    statement = json.loads(checkpoint.statement)
    assert utc_iso(checkpoint.signed_at) == statement["time"]
    leaves = [bytes(leaf) for leaf in AuditEvent.objects.order_by("seq").values_list("leaf", flat=True)]
    assert set(statement) == {"chain_id", "size", "head", "root", "key_id", "time"}
    assert statement["chain_id"] == head.chain_id and statement["size"] == 30 == checkpoint.size
    assert statement["head"] == head.link.hex() == checkpoint.head
    assert statement["root"] == merkle_root(leaves).hex() == checkpoint.root
    assert statement["key_id"] == keys.key_id(keys.load_public_key())
    assert checkpoint.statement == canonical_json(statement).decode()
    assert keys.signature_is_valid(keys.load_public_key(), canonical_json(statement), checkpoint.signature)


def test_the_file_copy_matches_the_database_copy(chain):
    checkpoint = write_checkpoint()
    [path] = checkpoint_files()
    assert path.name == f"{checkpoint.chain_id}-000000000030.json"
    data = json.loads(path.read_text())
    assert canonical_json(data["statement"]).decode() == checkpoint.statement
    assert data["signature"] == checkpoint.signature
    assert data["public_key"] == keys.public_key_pem()


def test_writing_is_idempotent_while_the_head_has_not_moved(chain):
    first = write_checkpoint()
    assert write_checkpoint().pk == first.pk
    append(1)
    second = write_checkpoint()
    assert second.size == 31 and Checkpoint.objects.count() == 2 and len(checkpoint_files()) == 2


def test_files_are_written_atomically(chain, monkeypatch):
    """A failure while writing leaves no file under the checkpoint's name, and no temporary either."""

    def crash(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        write_checkpoint()
    assert not Checkpoint.objects.exists()
    assert checkpoint_files() == []
    assert external_checkpoints() == []
    monkeypatch.undo()
    write_checkpoint()
    assert [c.size for c in external_checkpoints()] == [30]


def test_an_unreadable_checkpoint_file_is_reported_not_trusted(chain):
    write_checkpoint()
    [path] = checkpoint_files()
    path.write_text("{ not json")
    report = verify_chain()
    assert report.status == INTACT  # the chain itself is fine and still covered by the database copy
    assert {(c.source.split()[0], c.ok, c.message) for c in report.checkpoints} == {
        ("database", True, "signature valid; head and Merkle root match"),
        ("file", False, "unreadable checkpoint"),
    }


def _signed(checkpoint: Checkpoint) -> SignedCheckpoint:
    return SignedCheckpoint("test", json.loads(checkpoint.statement), checkpoint.signature)


def test_signature_verification(chain, tmp_path):
    signed = _signed(write_checkpoint())
    public = keys.load_public_key()
    assert signed.signature_valid(public)

    tampered = SignedCheckpoint("test", signed.statement | {"size": 29}, signed.signature)
    assert not tampered.signature_valid(public)
    re_keyed = SignedCheckpoint("test", signed.statement | {"key_id": "0" * 64}, signed.signature)
    assert not re_keyed.signature_valid(public)
    assert not SignedCheckpoint("test", signed.statement, "not base64!").signature_valid(public)

    other = keys.generate_key_pair(tmp_path / "other.pem", tmp_path / "other.pem.pub")
    assert not signed.signature_valid(other)
    # Even a statement that names the other key's id is refused: the signature is still ours.
    claims_other = SignedCheckpoint(
        "test", signed.statement | {"key_id": keys.key_id(other)}, signed.signature
    )
    assert not claims_other.signature_valid(other)


def test_a_tampered_checkpoint_file_breaks_the_verdict(chain):
    write_checkpoint()
    [path] = checkpoint_files()
    data = json.loads(path.read_text())
    data["statement"]["size"] = 31
    path.write_text(json.dumps(data))
    report = verify_chain()
    results = {c.source.split()[0]: c for c in report.checkpoints}
    assert (
        not results["file"].ok and results["file"].message == "signature invalid: the checkpoint was altered"
    )
    assert results["database"].ok
    assert report.status == "broken" and not report.ok
    assert "altered or forged" in report.problem


def test_checkpoints_signed_by_another_key_are_not_used_but_not_a_break(chain, settings, tmp_path):
    write_checkpoint()
    keys.generate_key_pair(tmp_path / "new.pem", tmp_path / "new.pem.pub")
    settings.STEWARD_CHECKPOINT_PUBLIC_KEY_FILE = str(tmp_path / "new.pem.pub")
    report = verify_chain()
    assert [c.ok for c in report.checkpoints] == [False, False]
    assert {c.message for c in report.checkpoints} == {"signed with another key; not used"}
    assert report.ok


def test_only_the_newest_files_of_each_chain_are_read(chain, monkeypatch):
    for _ in range(5):
        append(1)
        write_checkpoint()
    assert len(checkpoint_files()) == 5
    assert [c.size for c in external_checkpoints(limit=3)] == [35, 34, 33]
    monkeypatch.setattr(checkpoints, "checkpoint_dir", lambda: Path("/nonexistent/steward"))
    assert external_checkpoints() == []
