"""The ledger's management commands: verify_audit_chain (exit 0/1), write_checkpoint, generate_signing_key."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from governance.audit import keys
from governance.audit.checkpoints import write_checkpoint
from governance.audit.ledger import chain_head
from governance.audit.models import Checkpoint, VerificationRun
from tests.governance.audit.conftest import append, ledger_triggers_disabled, sql

ROOT = Path(__file__).resolve().parents[3]


def verify(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("verify_audit_chain", *args, stdout=out)
    except CommandError as exc:
        return exc.returncode, out.getvalue() + f"\n{exc}"
    return 0, out.getvalue()


def test_intact_chain_prints_head_and_checkpoints_and_exits_0(chain):
    checkpoint = write_checkpoint()
    code, out = verify()
    head = chain_head()
    assert code == 0
    assert f"Chain        {head.chain_id}" in out
    assert "Size         30" in out
    assert f"Head         {head.link.hex()}" in out
    assert f"database #{checkpoint.pk}: signature valid; head and Merkle root match" in out
    assert f"file {head.chain_id}-000000000030.json: signature valid" in out
    assert "Status       intact" in out and "First bad" not in out
    run = VerificationRun.objects.get()
    assert run.ok and run.triggered_by == "verify_audit_chain" and run.size == 30


def test_broken_chain_prints_what_disagrees_and_exits_1(chain):
    with ledger_triggers_disabled():
        sql("UPDATE audit_auditevent SET canonical = replace(canonical, '\"i\":5', '\"i\":6') WHERE seq = 7")
    code, out = verify()
    assert code == 1
    assert "Status       broken" in out
    assert "First bad    seq 7" in out
    assert "seq 7: stored content does not match its leaf hash (the event was edited)" in out
    assert "audit chain verification failed: broken at seq 7" in out
    assert VerificationRun.objects.get().first_bad_seq == 7


def test_truncation_against_a_checkpoint_is_reported_with_the_checkpoint(chain):
    write_checkpoint()
    with ledger_triggers_disabled():
        sql("DELETE FROM audit_auditevent WHERE seq > 20")
    code, out = verify()
    assert code == 1
    assert "covers 30 events but the chain has only 20" in out and "First bad    seq 21" in out


def test_a_different_chain_exits_1_without_a_bad_seq(chain):
    write_checkpoint()
    with ledger_triggers_disabled():
        sql("DELETE FROM audit_auditevent")
        sql("DELETE FROM audit_checkpoint")
    append(2)
    code, out = verify()
    assert code == 1
    assert "Status       different chain" in out and "First bad" not in out
    assert "failed: different_chain" in out


def test_empty_ledger_is_ok(db):
    code, out = verify()
    assert code == 0 and "Status       empty" in out and "none found" in out


def test_json_output(chain):
    write_checkpoint()
    code, out = verify("--json")
    report = json.loads(out)
    assert code == 0
    assert report["ok"] is True and report["status"] == "intact" and report["size"] == 30
    assert report["first_bad_seq"] is None and report["chain_id"] == chain_head().chain_id
    assert {c["ok"] for c in report["checkpoints"]} == {True} and len(report["checkpoints"]) == 2
    assert report["verification_run"] == VerificationRun.objects.get().pk

    with ledger_triggers_disabled():
        sql("DELETE FROM audit_auditevent WHERE seq = 9")
    code, out = verify("--json")
    report = json.loads(out.split("\naudit chain verification failed")[0])
    assert code == 1 and report["status"] == "broken" and report["first_bad_seq"] == 9


@pytest.mark.slow
def test_the_process_exit_status_is_0_then_1(transactional_db, tmp_path):
    """Run `manage.py verify_audit_chain` as a real process against the test database."""
    append(5)
    db = connection.settings_dict
    env = os.environ | {
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "STEWARD_TEST_DIR": str(tmp_path),  # its own key pair and checkpoint directory
    }

    def run() -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", "verify_audit_chain"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    intact = run()
    assert intact.returncode == 0, intact.stderr
    assert "Status       intact" in intact.stdout and "Size         6" in intact.stdout
    with ledger_triggers_disabled():
        sql("DELETE FROM audit_auditevent WHERE seq = 3")
    broken = run()
    assert broken.returncode == 1
    assert "First bad    seq 3" in broken.stdout
    assert "CommandError: audit chain verification failed: broken at seq 3" in broken.stderr


def test_write_checkpoint_command(chain, settings):
    out = StringIO()
    call_command("write_checkpoint", stdout=out)
    checkpoint = Checkpoint.objects.get()
    text = out.getvalue()
    assert checkpoint.size == 30
    assert f"Merkle root  {checkpoint.root}" in text and f"Key id       {checkpoint.key_id}" in text
    path = Path(settings.STEWARD_CHECKPOINT_DIR) / f"{checkpoint.chain_id}-000000000030.json"
    assert f"File         {path}" in text and path.exists()
    call_command("write_checkpoint", stdout=StringIO())  # the head has not moved: nothing new
    assert Checkpoint.objects.count() == 1


def test_write_checkpoint_on_an_empty_ledger(db):
    out = StringIO()
    call_command("write_checkpoint", stdout=out)
    assert "empty" in out.getvalue() and not Checkpoint.objects.exists()


def test_write_checkpoint_without_a_key_is_a_clear_error(chain, settings, tmp_path):
    settings.STEWARD_CHECKPOINT_KEY_FILE = str(tmp_path / "missing.pem")
    with pytest.raises(CommandError, match="cannot read the checkpoint signing key"):
        call_command("write_checkpoint", stdout=StringIO())


def test_generate_signing_key(tmp_path):
    private = tmp_path / "keys" / "steward.pem"
    out = StringIO()
    call_command("generate_signing_key", str(private), stdout=out)
    public = tmp_path / "keys" / "steward.pem.pub"
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    key = keys.public_key_from_pem(public.read_bytes())
    assert f"Fingerprint  {keys.fingerprint_display(key)}" in out.getvalue()
    assert f"Key id       {keys.key_id(key)}" in out.getvalue()
    before = private.read_bytes()
    with pytest.raises(CommandError, match="Refusing to overwrite"):
        call_command("generate_signing_key", str(private), stdout=StringIO())
    with pytest.raises(CommandError, match="Refusing to overwrite"):
        call_command(
            "generate_signing_key", str(tmp_path / "other.pem"), "--public", str(public), stdout=StringIO()
        )
    assert private.read_bytes() == before and not (tmp_path / "other.pem").exists()


def test_generate_signing_key_with_a_public_path(tmp_path):
    call_command(
        "generate_signing_key",
        str(tmp_path / "a.pem"),
        "--public",
        str(tmp_path / "pub" / "a.pub"),
        stdout=StringIO(),
    )
    assert (tmp_path / "pub" / "a.pub").read_text().startswith("-----BEGIN PUBLIC KEY-----")
