"""Requesting reports through services, the API and the pages: who may, what is refused, what is recorded."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from governance.audit.actors import Actor
from governance.audit.event_types import AuditAction
from governance.audit.models import AuditEvent
from governance.reports import jobs
from governance.reports.models import AuditReport, ReportStatus
from governance.reports.services import request_report
from tests.factories import make_asset, make_version
from tests.governance.reports.conftest import render


@pytest.fixture
def version(people):
    return make_version(make_asset(people.owner, people.retail, name="Churn model"), label="3.1")


def nothing_written(before_events: int) -> bool:
    return AuditReport.objects.count() == 0 and AuditEvent.objects.count() == before_events


def test_a_scope_the_user_may_not_see_is_404_and_writes_nothing(people, version):
    before = AuditEvent.objects.count()
    with pytest.raises(Http404):
        request_report(actor=Actor.for_user(people.outsider), scope="version", version_id=version.pk)
    with pytest.raises(Http404):
        request_report(actor=Actor.for_user(people.outsider), scope="asset", asset_id=version.asset_id)
    with pytest.raises(Http404):
        request_report(actor=Actor.for_user(people.owner), scope="version", version_id=999_999)
    assert nothing_written(before)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"scope": "version"}, "version"),
        ({"scope": "asset"}, "asset"),
        ({"scope": "events"}, "events_from"),
        ({"scope": "nonsense"}, "scope"),
    ],
)
def test_incomplete_requests_are_400_with_field_errors(people, kwargs, field):
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as error:
        request_report(actor=Actor.for_user(people.owner), **kwargs)
    assert field in error.value.message_dict
    assert nothing_written(before)


def test_as_of_in_the_future_and_reversed_ranges_are_refused(people, version):
    now = timezone.now()
    with pytest.raises(ValidationError) as error:
        request_report(
            actor=Actor.for_user(people.owner),
            scope="version",
            version_id=version.pk,
            as_of=now + dt.timedelta(days=1),
        )
    assert "as_of" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        request_report(actor=Actor.for_user(people.owner), scope="events", events_from=now, events_until=now)
    assert "events_until" in error.value.message_dict


def test_a_date_range_holding_too_many_events_is_refused(people, settings):
    settings.STEWARD_REPORT_MAX_EVENTS = 3
    now = timezone.now()
    with pytest.raises(ValidationError, match="at most 3"):
        request_report(
            actor=Actor.for_user(people.compliance),
            scope="events",
            events_from=now - dt.timedelta(days=1),
            events_until=now,
        )


def test_a_request_writes_the_row_and_event_and_enqueues_on_commit(
    people, version, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        report = request_report(actor=Actor.for_user(people.owner), scope="version", version_id=version.pk)
    assert report.status == ReportStatus.QUEUED and len(callbacks) == 1
    event = AuditEvent.objects.get(action=AuditAction.REPORT_REQUESTED)
    assert event.object_id == str(report.pk) and event.payload["version"] == "3.1"
    assert report.title == "Churn model — version 3.1"


def test_claims_are_compare_and_set_and_expired_leases_are_taken_over(people, version, settings):
    report = request_report(actor=Actor.for_user(people.owner), scope="version", version_id=version.pk)
    first = jobs.claim_report(report.pk)
    assert first is not None
    assert jobs.claim_report(report.pk) is None  # held under a live lease
    AuditReport.objects.filter(pk=report.pk).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert jobs.stale_report_ids() == [report.pk]
    second = jobs.claim_report(report.pk)
    assert second is not None and second.attempt == 2
    assert not jobs.heartbeat(first, progress=50, note="still here?")  # the old claim lost the row
    assert not jobs.fail_report(first, "late failure")
    assert jobs.heartbeat(second, progress=50, note="working")

    settings.STEWARD_REPORT_MAX_ATTEMPTS = 2
    AuditReport.objects.filter(pk=report.pk).update(lease_expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert jobs.claim_report(report.pk) is None
    report.refresh_from_db()
    assert report.status == ReportStatus.FAILED and "after 2 attempts" in report.error
    assert AuditEvent.objects.filter(action=AuditAction.REPORT_FAILED, object_id=str(report.pk)).count() == 1


def test_a_transient_failure_gives_the_row_back_for_the_retry(people, version, monkeypatch):
    from django.db import OperationalError

    from governance.reports import pipeline

    report = request_report(actor=Actor.for_user(people.owner), scope="version", version_id=version.pk)

    def flaky(claim, progress):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(pipeline, "produce", flaky)
    with pytest.raises(OperationalError):
        pipeline.run(str(report.pk))
    report.refresh_from_db()
    assert report.status == ReportStatus.QUEUED and report.claim_token is None and report.attempts == 1


def test_api_create_list_detail_download_and_permissions(
    people, version, api_for, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    client = api_for(people.owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/reports/", {"scope": "version", "version": version.pk}, format="json")
    assert response.status_code == 202
    body = response.json()
    assert response["Location"] == body["url"] and body["status"] == "queued"
    detail = client.get(body["url"]).json()
    assert detail["status"] == "done" and detail["page_count"] >= 5

    assert api_for(people.outsider).get(body["url"]).status_code == 404
    assert api_for(people.compliance).get(body["url"]).status_code == 200
    assert api_for(people.owner2).get(body["url"]).status_code == 404  # reports are their requester's
    assert (
        api_for(people.owner, scope="read")
        .post("/api/v1/reports/", {"scope": "version", "version": version.pk}, format="json")
        .status_code
        == 403
    )
    assert (
        api_for(people.outsider)
        .post("/api/v1/reports/", {"scope": "version", "version": version.pk}, format="json")
        .status_code
        == 404
    )
    bad = client.post("/api/v1/reports/", {"scope": "asset"}, format="json")
    assert bad.status_code == 400 and "asset" in bad.json()["errors"]

    download = client.get(detail["download_url"])
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content).startswith(b"%PDF-")
    assert AuditEvent.objects.filter(action=AuditAction.REPORT_DOWNLOADED).count() == 1
    assert api_for(people.outsider).get(detail["download_url"]).status_code == 404

    for _ in range(3):
        request_report(actor=Actor.for_user(people.owner), scope="version", version_id=version.pk)
    with django_assert_max_num_queries(8):
        listing = client.get("/api/v1/reports/")
    assert listing.json()["count"] == 4


def test_api_verify_endpoint(people, version, api_for, django_capture_on_commit_callbacks):
    report = render(
        people.owner,
        django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
        scope="version",
        version_id=version.pk,
    )
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.governance.reports.conftest import pdf_bytes

    client = api_for(people.owner, scope="write")
    ok = client.post(
        "/api/v1/reports/verify/",
        {"file": SimpleUploadedFile("r.pdf", pdf_bytes(report))},
        format="multipart",
    )
    assert ok.status_code == 200 and ok.json()["ok"] and ok.json()["live"]
    junk = client.post(
        "/api/v1/reports/verify/", {"file": SimpleUploadedFile("x.txt", b"hello")}, format="multipart"
    )
    assert junk.status_code == 200 and not junk.json()["ok"]
    assert junk.json()["summary"].startswith("not a Steward report")
    assert client.post("/api/v1/reports/verify/", {}, format="multipart").status_code == 400


def test_pages_request_list_status_download_verify_and_panel(
    people, version, web_for, django_capture_on_commit_callbacks
):
    client = web_for(people.owner)
    page = client.get("/reports/")
    assert page.status_code == 200 and b"Request a report" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/reports/request/", {"scope": "version", "version": version.pk})
    report = AuditReport.objects.get()
    assert response.status_code == 302 and response["Location"] == report.get_absolute_url()
    detail = client.get(report.get_absolute_url())
    assert b"Download the signed PDF" in detail.content
    status = client.get(f"/reports/{report.pk}/status/?row=1")
    assert b"hx-trigger" not in status.content and b"Download PDF" in status.content
    download = client.get(f"/reports/{report.pk}/download/")
    assert download.status_code == 200
    data = b"".join(download.streaming_content)
    from django.core.files.uploadedfile import SimpleUploadedFile

    verified = client.post("/reports/verify/", {"file": SimpleUploadedFile("r.pdf", data)})
    assert b"Verified (offline and against the live ledger)" in verified.content
    foreign = client.post("/reports/verify/", {"file": SimpleUploadedFile("n.txt", b"plain text")})
    assert foreign.status_code == 200 and b"not a Steward report" in foreign.content
    bad = client.post("/reports/request/", {"scope": "version"})
    assert bad.status_code == 400 and b"Choose the version" in bad.content
    assert client.get("/reports/certificate.pem")["Content-Type"] == "application/x-pem-file"

    version_page = client.get(version.get_absolute_url())
    assert b"Download audit PDF" in version_page.content
    assert b"Download audit PDF" in client.get(version.asset.get_absolute_url()).content
    assert web_for(people.outsider).get(report.get_absolute_url()).status_code == 404


def test_a_queued_report_polls_and_shows_progress(people, version, web_for):
    report = request_report(actor=Actor.for_user(people.owner), scope="version", version_id=version.pk)
    client = web_for(people.owner)
    fragment = client.get(f"/reports/{report.pk}/status/")
    assert b'hx-trigger="every 2s"' in fragment.content and b"<progress" in fragment.content


def test_generate_report_certificate_and_the_deploy_check(tmp_path, settings):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from governance.reports.checks import report_certificate_configured

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    settings.STEWARD_REPORT_CERT_FILE, settings.STEWARD_REPORT_KEY_FILE = str(cert), str(key)
    assert [m.id for m in report_certificate_configured()] == ["reports.I001"]
    call_command("generate_report_certificate", str(cert), str(key))
    assert (key.stat().st_mode & 0o777) == 0o600
    assert report_certificate_configured() == []
    with pytest.raises(CommandError, match="refusing to overwrite"):
        call_command("generate_report_certificate", str(cert), str(key))
