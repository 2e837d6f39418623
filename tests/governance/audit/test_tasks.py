"""The ledger's periodic tasks: thin, idempotent, and named as the beat schedule names them."""

from __future__ import annotations

import logging

from django.conf import settings

from governance.audit.models import Checkpoint, VerificationRun
from governance.audit.tasks import verify_chain_task, write_checkpoint_task
from governance.celery import app
from tests.governance.audit.conftest import append, ledger_triggers_disabled, sql


def test_the_beat_schedule_names_a_registered_task():
    app.loader.import_default_modules()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        if entry["task"].startswith("governance.audit."):
            assert entry["task"] in app.tasks
    assert "governance.audit.tasks.verify_chain_task" in app.tasks


def test_write_checkpoint_task_is_idempotent(chain):
    assert write_checkpoint_task.delay().get() == 30
    assert write_checkpoint_task.delay().get() == 30
    assert Checkpoint.objects.count() == 1
    append(2)
    assert write_checkpoint_task.delay().get() == 32
    assert Checkpoint.objects.count() == 2


def test_write_checkpoint_task_on_an_empty_ledger(db):
    assert write_checkpoint_task.delay().get() is None


def test_verify_chain_task_records_a_run(chain):
    result = verify_chain_task.delay().get()
    run = VerificationRun.objects.get()
    assert result == {"run": run.pk, "ok": True, "status": "intact", "size": 30}
    assert run.triggered_by == "verify_chain_task"


def test_verify_chain_task_logs_a_broken_chain(chain, caplog):
    with ledger_triggers_disabled():
        sql("DELETE FROM audit_auditevent WHERE seq = 4")
    with caplog.at_level(logging.ERROR, logger="governance.audit.tasks"):
        result = verify_chain_task.delay().get()
    assert result["ok"] is False and result["status"] == "broken"
    assert "verification failed: broken at seq 4" in caplog.text
