"""Reports through a real Celery worker on Redis: end to end, and a worker killed mid-render."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import transaction

from governance.audit import keys
from governance.audit.actors import Actor
from governance.audit.event_types import AuditAction
from governance.audit.ledger import record_event
from governance.audit.models import AuditEvent
from governance.reports.models import AuditReport, ReportStatus
from governance.reports.tasks import sweep_stale_reports_task
from governance.reports.verify import verify_report_bytes
from tests.conftest import start_worker
from tests.factories import make_asset, make_version
from tests.governance.reports.conftest import pdf_bytes
from tests.governance.reports.helpers import pdf_text

pytestmark = [pytest.mark.worker, pytest.mark.timeout(600)]


@pytest.fixture(autouse=True)
def _worker_checkpoint_dir():
    """Workers keep external checkpoints in the session's directory; each transactional test starts a
    new ledger (another chain id), so earlier tests' checkpoints there would read as a different chain."""
    import shutil

    directory = Path(os.environ["STEWARD_TEST_DIR"]) / "checkpoints"
    shutil.rmtree(directory, ignore_errors=True)
    yield
    shutil.rmtree(directory, ignore_errors=True)


def wait_for(predicate, *, timeout: float, what: str, worker=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    log = worker.log.read_text()[-4000:] if worker else ""
    raise AssertionError(f"timed out waiting for {what}\n{log}")


def kill_tree(worker) -> None:
    """SIGKILL the worker's pool processes and then the worker itself: no warm shutdown, no cleanup."""
    pid = worker.process.pid
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for child in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(child), signal.SIGKILL)
    worker.kill()


def test_a_real_worker_renders_a_report_requested_over_the_api(people, celery_worker, api_for, tmp_path):
    asset = make_asset(people.owner, people.retail, name="Fraud detector")
    version = make_version(asset, label="7.0.1")
    response = api_for(people.owner).post("/api/v1/reports/", {"scope": "version", "version": version.pk})
    assert response.status_code == 202, response.content
    assert response["Location"].endswith(f"/api/v1/reports/{response.json()['id']}/")
    report = AuditReport.objects.get(pk=response.json()["id"])

    wait_for(
        lambda: AuditReport.objects.get(pk=report.pk).is_finished,
        timeout=120,
        what="the report",
        worker=celery_worker,
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.DONE, report.error
    data = pdf_bytes(report)
    text = pdf_text(data, tmp_path)
    assert "Fraud detector — version 7.0.1" in text
    assert report.chain_head[:8] in text
    assert verify_report_bytes(data, public_key=keys.load_public_key(), live=True).ok

    key = tmp_path / "key.pem"
    key.write_text(keys.public_key_pem())
    (tmp_path / "r.pdf").write_bytes(data)
    call_command("verify_report", str(tmp_path / "r.pdf"), "--public-key", str(key), "--live")

    detail = api_for(people.owner).get(f"/api/v1/reports/{report.pk}/").json()
    assert detail["status"] == "done" and detail["download_url"].endswith("/download/")


def test_a_worker_killed_mid_render_leads_after_restart_to_exactly_one_report(
    people, celery_worker, settings, monkeypatch, tmp_path
):
    """SIGKILL while WeasyPrint lays out pages; a new worker, woken by the sweeper, finishes it once."""
    lease = 4
    settings.STEWARD_REPORT_LEASE_SECONDS = lease
    monkeypatch.setenv("STEWARD_REPORT_LEASE_SECONDS", str(lease))
    celery_worker.stop()  # restart with the short lease in its environment
    worker = start_worker(tmp_path, name="first")

    asset = make_asset(people.owner, people.retail, name="Large history")
    version = make_version(asset, label="1.0")
    for i in range(900):  # a long events table keeps WeasyPrint busy for several seconds
        with transaction.atomic():
            record_event(
                AuditAction.VERSION_UPDATED,
                actor=Actor.for_user(people.owner),
                obj=version,
                payload={"old": {"description": f"d{i}"}, "new": {"description": f"d{i + 1}"}},
            )
    from governance.reports.services import request_report

    report = request_report(actor=Actor.for_user(people.owner), scope="version", version_id=version.pk)

    def laying_out():
        row = AuditReport.objects.get(pk=report.pk)
        return row.progress_note.startswith("Laying out page") and row.progress_note != "Laying out page 1"

    try:
        wait_for(laying_out, timeout=180, what="WeasyPrint to be laying out pages", worker=worker)
    finally:
        kill_tree(worker)
    row = AuditReport.objects.get(pk=report.pk)
    assert row.status == ReportStatus.RENDERING and row.attempts == 1

    second = start_worker(tmp_path, name="second")
    try:
        wait_for(lambda: sweep_stale_reports_task() or None, timeout=30, what="the lease to expire")
        wait_for(
            lambda: AuditReport.objects.get(pk=report.pk).is_finished,
            timeout=300,
            what="the re-render",
            worker=second,
        )
        sweep_stale_reports_task()  # a late sweep or the original message coming back changes nothing
        time.sleep(2)
    finally:
        second.stop()
    row.refresh_from_db()
    assert row.status == ReportStatus.DONE, row.error
    assert row.attempts == 2
    assert AuditReport.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.REPORT_GENERATED, object_id=str(row.pk)).count() == 1
    assert default_storage.listdir(f"reports/{row.pk}")[1] == [row.file_name.rsplit("/", 1)[1]]
    result = verify_report_bytes(pdf_bytes(row), public_key=keys.load_public_key(), live=True)
    assert result.ok, result.summary
    assert result.event_count >= 900
