"""Incidents through the API and the pages: who may open and handle them, closing rules, linked findings and
evidence, files kept with the incident (checked, hashed, downloads audited), lists with query limits."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from governance.audit.actors import Actor
from governance.audit.models import AuditEvent
from governance.oversight import findings as finding_services
from governance.oversight.incidents import services
from governance.oversight.models.incidents import Incident, IncidentFile, IncidentKind
from tests.factories import make_asset, make_evidence, make_version

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def version(people):
    return make_version(make_asset(people.owner, people.retail, name="Credit PD"))


def _create(client, version, **extra):
    body = {
        "asset": version.asset.slug,
        "version": version.pk,
        "kind": "serious-incident",
        "severity": "high",
        "title": "Wrong refusals",
    } | extra
    return client.post("/api/v1/incidents/", body, format="json")


# (Validators see another team's version only once it is submitted to them, so they are not here.)
@pytest.mark.parametrize("who", ["owner", "owner2", "team_approver", "approver", "compliance", "admin"])
def test_people_who_handle_the_asset_open_incidents(people, version, api_for, who):
    response = _create(api_for(getattr(people, who)), version)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["reference"].startswith("INC-") and body["kind"] == "serious-incident"
    assert (
        body["countdown"]["text"].startswith("due in 14 days")
        or body["countdown"]["text"] == "due in 15 days"
    )


def test_outsiders_cannot_see_or_open_them(people, version, api_for):
    outsider = api_for(people.outsider)
    response = _create(outsider, version)
    assert response.status_code == 400 and "asset" in response.json()["errors"]  # the asset is not visible
    opened = _create(api_for(people.owner), version).json()
    assert outsider.get(f"/api/v1/incidents/{opened['id']}/").status_code == 404
    assert outsider.get("/api/v1/incidents/").json()["count"] == 0
    assert (
        api_for(people.owner, scope="read").post("/api/v1/incidents/", {}, format="json").status_code == 403
    )


def test_closing_needs_a_resolution_and_the_report(people, version, api_for):
    client = api_for(people.compliance)
    incident = _create(client, version).json()
    url = f"/api/v1/incidents/{incident['id']}/"
    refused = client.patch(url, {"status": "closed"}, format="json")
    assert refused.status_code == 409
    assert refused.json()["reasons"] == [
        "Say how the incident was resolved before closing it.",
        "This incident must be reported to the authority before it is closed (record the report sent, or "
        "reclassify it as a kind that needs no report).",
    ]
    client.post(f"{url}report/", {"sent_at": timezone.now().isoformat(), "recipient": "MSA"}, format="json")
    closed = client.patch(
        url, {"status": "closed", "resolution": "Feed fixed; refusals re-run."}, format="json"
    )
    assert closed.status_code == 200 and closed.json()["closed_at"]
    assert client.patch(url, {"severity": "low"}, format="json").status_code == 409  # closed is final
    event = AuditEvent.objects.filter(action="incident.updated", object_id=str(incident["id"])).order_by(
        "-seq"
    )[0]
    assert event.payload["old"]["status"] == "open" and event.payload["new"]["status"] == "closed"


def test_a_non_reportable_incident_closes_without_a_report(people, version, api_for):
    client = api_for(people.owner)
    incident = _create(client, version, kind="monitoring-breach").json()
    response = client.patch(
        f"/api/v1/incidents/{incident['id']}/",
        {"status": "closed", "resolution": "Recalibrated."},
        format="json",
    )
    assert response.status_code == 200 and response.json()["countdown"] is None


def test_findings_and_evidence_of_the_same_asset_are_linked(people, version, api_for):
    finding = finding_services.raise_finding(
        actor=Actor.for_user(people.validator),
        asset=version.asset,
        version=version,
        title="Drift",
        severity="high",
    )
    evidence = make_evidence(version)
    other = make_version(make_asset(people.owner, people.retail))
    foreign = finding_services.raise_finding(
        actor=Actor.for_user(people.validator), asset=other.asset, title="Other", severity="low"
    )
    client = api_for(people.owner)
    incident = _create(client, version, findings=[finding.pk], evidence=[evidence.pk]).json()
    assert incident["findings"] == [finding.pk] and incident["evidence"] == [evidence.pk]
    refused = client.patch(f"/api/v1/incidents/{incident['id']}/", {"findings": [foreign.pk]}, format="json")
    assert refused.status_code == 400 and "findings" in refused.json()["errors"]


def test_files_are_checked_hashed_kept_and_their_downloads_audited(people, version, api_for):
    client = api_for(people.compliance)
    incident = _create(client, version).json()
    url = f"/api/v1/incidents/{incident['id']}/files/"
    bad = client.post(
        url,
        {"label": "Script", "file": SimpleUploadedFile("report.pdf", b"#!/bin/sh\nrm -rf /\n")},
        format="multipart",
    )
    assert bad.status_code == 400 and "not accepted" in str(bad.json())
    response = client.post(
        url, {"label": "Screenshots", "file": SimpleUploadedFile("shots.pdf", PDF)}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    attached = IncidentFile.objects.get()
    assert attached.content_type == "application/pdf" and attached.size == len(PDF)
    assert response.json()["sha256"] == attached.sha256
    report = client.post(
        f"/api/v1/incidents/{incident['id']}/report/",
        {"sent_at": timezone.now().isoformat(), "recipient": "MSA", "copy": SimpleUploadedFile("r.pdf", PDF)},
        format="multipart",
    )
    assert report.status_code == 200
    assert {f["purpose"] for f in report.json()["files"]} == {"evidence", "report"}
    event = AuditEvent.objects.get(action="incident.report_sent")
    assert event.payload["copy"]["sha256"] == attached.sha256  # the same bytes
    download = client.get(response.json()["download"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert AuditEvent.objects.filter(action="incident.file_downloaded").count() == 1
    assert api_for(people.outsider).get(response.json()["download"]).status_code == 404


def test_the_incident_pages(people, version, web_for, django_assert_max_num_queries):
    web = web_for(people.owner)
    form = web.get(f"/oversight/incidents/new/version/{version.pk}/")
    assert form.status_code == 200 and b"report within 15 days" in form.content
    kind = IncidentKind.objects.get(slug="death")
    response = web.post(
        f"/oversight/incidents/new/version/{version.pk}/",
        {"kind": kind.pk, "severity": "critical", "title": "Harm reported", "description": ""},
    )
    assert response.status_code == 302
    incident = Incident.objects.get()
    page = web.get(incident.get_absolute_url()).content.decode()
    assert "due in 9 days" in page or "due in 10 days" in page
    assert "Record the report sent" in page and "Update the incident" in page
    for i in range(5):
        services.open_incident(
            actor=Actor.for_user(people.owner),
            asset=version.asset,
            version=version,
            kind=kind,
            severity="high",
            title=f"More {i}",
        )
    with django_assert_max_num_queries(20):
        listing = web.get("/oversight/incidents/?status=active")
    assert listing.status_code == 200 and listing.content.decode().count("INC-") >= 6
    version_page = web.get(version.get_absolute_url()).content.decode()
    assert 'id="incidents"' in version_page and "Open an incident" in version_page


def test_overdue_reports_show_in_the_navigation(people, version, web_for):
    with_kind = IncidentKind.objects.get(slug="critical-infrastructure")
    services.open_incident(
        actor=Actor.for_user(people.owner),
        asset=version.asset,
        version=version,
        kind=with_kind,
        severity="critical",
        title="Grid",
        detected_at=timezone.now() - dt.timedelta(days=3),
    )
    page = web_for(people.compliance).get("/oversight/incidents/?overdue=on").content.decode()
    assert 'class="row--alert"' in page and "Overdue" in page
    assert '<span class="nav-count">' in page


def test_only_admins_edit_kinds_in_the_ui(people, web_for):
    assert web_for(people.compliance).get("/oversight/incidents/kinds/new/").status_code == 403
    web = web_for(people.admin)
    response = web.post(
        "/oversight/incidents/kinds/death/",
        {
            "name": "Death of a person",
            "description": "",
            "legal_basis": "EU AI Act Art. 73(4)",
            "reportable": "on",
            "report_within_days": "",
            "active": "on",
        },
    )
    assert response.status_code == 400 and b"needs a deadline" in response.content
    assert IncidentKind.objects.get(slug="death").report_within_days == 10
    listing = web.get("/oversight/incidents/kinds/").content.decode()
    assert "within 10 days" in listing and "within 15 days" in listing and "not reported" in listing
