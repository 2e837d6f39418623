"""Evidence: content-checked uploads refused before storage, sha256/size/type, supersede, never deleted,
permission-checked and audited downloads (UI and API)."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.utils import DatabaseError

from governance.audit.actors import Actor
from governance.audit.models import AuditEvent
from governance.evidence import services
from governance.evidence.models import Evidence
from governance.inventory.errors import FrozenError
from tests.factories import make_asset, make_evidence, make_version, walk_version_to

PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")


@pytest.fixture
def version(people):
    return make_version(make_asset(people.owner, people.retail))


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "evidence"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def upload(people, version, name, data, *, user=None, **kw):
    return services.upload_evidence(
        actor=Actor.for_user(user or people.owner),
        version=version,
        file=SimpleUploadedFile(name, data),
        label=kw.pop("label", "Back-test"),
        kind=kw.pop("kind", "test_results"),
        **kw,
    )


def test_an_upload_records_hash_size_and_the_type_read_from_its_content(people, version):
    evidence = upload(people, version, "report.bin", PDF)  # the name says nothing; the content says PDF
    assert evidence.sha256 == hashlib.sha256(PDF).hexdigest() and evidence.size == len(PDF)
    assert evidence.content_type == "application/pdf" and evidence.original_name == "report.bin"
    assert evidence.file.name.startswith(f"evidence/{version.asset_id}/{version.pk}/")
    assert "report" not in evidence.file.name  # storage names never come from the uploader
    assert evidence.file.read() == PDF
    event = AuditEvent.objects.get(action="evidence.uploaded", object_id=str(evidence.pk))
    assert event.payload["new"]["sha256"] == evidence.sha256


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("empty.pdf", b"", "empty"),
        ("invoice.pdf", b"<html><script>alert(1)</script></html>", "HTML"),
        ("photo.png", b"MZ\x90\x00" + bytes(300), "Windows executable"),
        ("notes.txt", b"#!/bin/sh\nrm -rf /\n", "shell script"),
        ("logo.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>', "SVG"),
        ("data.csv", gzip.compress(b"a,b\n1,2\n", mtime=0), "gzip"),
        ("noise.pdf", bytes(range(256)) * 8, "not accepted"),
    ],
)
def test_refused_uploads_leave_nothing_behind(people, version, name, data, message):
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError, match=message) as caught:
        upload(people, version, name, data)
    assert list(caught.value.message_dict) == ["file"]
    assert not Evidence.objects.exists() and stored_files() == [] and AuditEvent.objects.count() == before


def test_a_disguised_file_is_named_in_the_error(people, version):
    with pytest.raises(ValidationError, match=r"named “\.pdf”, but its content is HTML"):
        upload(people, version, "invoice.pdf", b"<!DOCTYPE html><p>pay here</p>")


def test_oversized_uploads_are_refused_before_storage(people, version, settings):
    settings.STEWARD_EVIDENCE_MAX_BYTES = 1000
    with pytest.raises(ValidationError, match="the limit is 1000"):
        upload(people, version, "big.pdf", PDF + b"x" * 2000)
    assert stored_files() == [] and not Evidence.objects.exists()


def test_supersede_keeps_the_old_file_and_the_database_refuses_deletion(people, version):
    old = upload(people, version, "v1.pdf", PDF, label="Validation memo v1")
    new = upload(people, version, "v2.pdf", PDF + b"\n% v2", label="Validation memo v2", supersedes=old)
    old.refresh_from_db()
    assert old.superseded_by == new and not old.is_current and new.is_current
    assert AuditEvent.objects.filter(action="evidence.superseded", object_id=str(old.pk)).count() == 1
    withdrawn = services.supersede_evidence(
        actor=Actor.for_user(people.owner), evidence=new, reason="Wrong model."
    )
    assert withdrawn.superseded_reason == "Wrong model." and withdrawn.superseded_by is None
    with pytest.raises(ValueError, match="never deleted"):
        old.delete()
    with pytest.raises(ValueError, match="never deleted"):
        Evidence.objects.all().delete()
    from django.db import connection

    with pytest.raises(DatabaseError, match="never deleted"), transaction.atomic(), connection.cursor() as c:
        c.execute("DELETE FROM evidence_evidence WHERE id = %s", [old.pk])
    with pytest.raises(DatabaseError, match="never change"), transaction.atomic(), connection.cursor() as c:
        c.execute("UPDATE evidence_evidence SET sha256 = 'x' WHERE id = %s", [old.pk])
    assert Evidence.objects.count() == 2 and len(stored_files()) == 2


def test_who_may_upload(people, version):
    for user in (people.outsider, people.validator, people.approver, people.compliance):
        with pytest.raises(PermissionDenied):
            upload(people, version, "a.pdf", PDF, user=user)
    walk_version_to(version, "in_validation", people)
    assert upload(people, version, "v.pdf", PDF, user=people.validator).uploaded_by == people.validator
    approved = walk_version_to(make_version(version.asset), "approved", people)
    with pytest.raises(FrozenError):
        upload(people, approved, "late.pdf", PDF)


def test_download_is_permission_checked_and_audited_in_the_ui(people, version, client):
    evidence = make_evidence(version)
    client.force_login(people.outsider)
    assert client.get(f"/evidence/{evidence.pk}/download/").status_code == 404
    client.force_login(people.compliance)
    response = client.get(f"/evidence/{evidence.pk}/download/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == evidence.file.open("rb").read()
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    event = AuditEvent.objects.get(action="evidence.downloaded")
    assert event.actor_name == "carla" and event.payload["sha256"] == evidence.sha256


def test_download_through_the_api(people, version, api_for):
    evidence = make_evidence(version)
    assert api_for(people.outsider).get(f"/api/v1/evidence/{evidence.pk}/download/").status_code == 404
    denied = api_for(people.owner, "integration").get(f"/api/v1/evidence/{evidence.pk}/download/")
    assert denied.status_code == 403 and "Integration tokens" in denied.json()["detail"]
    response = api_for(people.owner, "read").get(f"/api/v1/evidence/{evidence.pk}/download/")
    assert response.status_code == 200 and response["X-Steward-SHA256"] == evidence.sha256
    assert AuditEvent.objects.filter(action="evidence.downloaded").count() == 1


def test_multipart_upload_through_the_api(people, version, api_for):
    api = api_for(people.owner)
    response = api.post(
        "/api/v1/evidence/",
        {
            "version": version.pk,
            "label": "Stress tests",
            "kind": "robustness_report",
            "file": SimpleUploadedFile("stress.pdf", PDF),
        },
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["sha256"] == hashlib.sha256(PDF).hexdigest() and body["content_type"] == "application/pdf"
    bad = api.post(
        "/api/v1/evidence/",
        {
            "version": version.pk,
            "label": "x",
            "kind": "other",
            "file": SimpleUploadedFile("x.pdf", b"<html></html>"),
        },
        format="multipart",
    )
    assert bad.status_code == 400 and "HTML" in bad.json()["errors"]["file"][0]
    hidden = api_for(people.outsider).post(
        "/api/v1/evidence/",
        {"version": version.pk, "label": "x", "kind": "other", "file": SimpleUploadedFile("x.pdf", PDF)},
        format="multipart",
    )
    assert hidden.status_code == 400 and "version" in hidden.json()["errors"]
    listing = api_for(people.compliance).get(f"/api/v1/evidence/?version={version.pk}")
    assert listing.json()["count"] == 1
    assert api_for(people.outsider).get("/api/v1/evidence/").json()["count"] == 0


def test_an_oversized_request_is_refused_unread(people, version, api_for, settings):
    settings.STEWARD_EVIDENCE_MAX_BYTES = 100
    response = api_for(people.owner).post(
        "/api/v1/evidence/",
        {
            "version": version.pk,
            "label": "x",
            "kind": "other",
            "file": SimpleUploadedFile("x.pdf", PDF * 3000),
        },
        format="multipart",
    )
    assert response.status_code == 400 and "larger than the limit" in response.json()["errors"]["file"][0]
    assert stored_files() == []
