"""A report end to end in-process: content, PDF/A-3 with attachments, signature, verification and tampering."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Q
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from governance.audit import keys
from governance.audit.actors import Actor
from governance.audit.event_types import AuditAction
from governance.audit.keys import generate_key_pair, public_key_from_pem
from governance.audit.models import AuditEvent
from governance.oversight.findings import raise_finding
from governance.reports.bundle import BUNDLE_NAME, CSV_NAME
from governance.reports.certificates import generate_certificate, signing_certificate
from governance.reports.models import AuditReport, ReportStatus
from governance.reports.rendering import EmbeddedFile, render_pdf
from governance.reports.signing import sign_pdf
from governance.reports.verify import verify_report_bytes
from lifecycle.transitions import transition
from tests.factories import make_asset, make_version, walk_version_to
from tests.governance.audit.conftest import ledger_triggers_disabled
from tests.governance.reports.conftest import pdf_bytes, render
from tests.governance.reports.helpers import bundle_of, pdf_text, pdf_xmp, save_page_one_png


@pytest.fixture
def reviewed_version(people):
    """A version with history: submitted, claimed, sent back with a reason, and a high finding."""
    asset = make_asset(
        people.owner,
        people.retail,
        name="Retail credit scorecard",
        slug="retail-scorecard",
        purpose="Scores retail credit applications.",
        intended_use="Pre-screening by underwriters.",
    )
    version = make_version(
        asset,
        label="2.3.0",
        description="Gradient-boosted trees, retrained on 2026 Q2.",
        artifact_digest="ab" * 32,
        metrics={"auc": 0.81, "ks": 0.42},
    )
    walk_version_to(version, "in_validation", people)
    raise_finding(
        actor=Actor.for_user(people.validator),
        asset=asset,
        version=version,
        title="Population drift in thin-file applicants",
        severity="high",
        description="PSI 0.31 on applicants with fewer than three tradelines.",
    )
    transition(
        version,
        "changes_requested",
        actor=Actor.for_user(people.validator),
        reason="Recalibrate the thin-file segment.",
    )
    return version


@pytest.fixture
def done_report(people, reviewed_version, django_capture_on_commit_callbacks):
    report = render(
        people.owner,
        django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
        scope="version",
        version_id=reviewed_version.pk,
    )
    assert report.status == ReportStatus.DONE, report.error
    return report


def test_version_report_shows_the_facts_and_is_a_signed_pdf_a3_with_both_attachments(done_report, tmp_path):
    data = pdf_bytes(done_report)
    text = pdf_text(data, tmp_path)
    cells = "".join(pdf_text(data, tmp_path, layout=False).split())  # reading order keeps each cell whole
    for expected in (
        "Retail credit scorecard — version 2.3.0",
        "Requested by",
        "Olivia",
        "Summary",
        "Lifecycle timeline",
        "Audit events",
        "Verification",
        "Page 2 of",
        str(done_report.pk),
    ):
        assert expected in text, expected
    for expected in ("Recalibrate the thin-file segment.", "Population drift in thin-file applicants"):
        assert "".join(expected.split()) in cells, expected
    head = done_report.chain_head
    assert " ".join(head[i : i + 8] for i in range(0, 64, 8)) in text  # the chain head, printed in groups
    xmp = pdf_xmp(data, tmp_path)
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp  # PDF/A-3b, kept through signing
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    specs = {str(names[i]): names[i + 1] for i in range(0, len(names), 2)}
    assert {k: str(v["/AFRelationship"]) for k, v in specs.items()} == {
        BUNDLE_NAME: "/Data",
        CSV_NAME: "/Supplement",
    }
    assert len(reader.root["/AF"]) == 2  # the document-level associated files PDF/A-3 asks for
    bundle = bundle_of(data)
    assert bundle["report"]["id"] == str(done_report.pk)
    assert bundle["checkpoint"]["statement"]["head"] == head
    # Every event about the asset, the version and its finding is in the bundle, with those about its
    # documents (the model card the walk wrote); nothing about other objects.
    finding = done_report.version.findings.get()
    about_scope = AuditEvent.objects.filter(seq__lte=done_report.checkpoint_size).filter(
        Q(object_type="inventory.asset", object_id=str(done_report.asset_id))
        | Q(object_type="inventory.assetversion", object_id=str(done_report.version_id))
        | Q(object_type="oversight.finding", object_id=str(finding.pk))
    )
    proven = {e["seq"]: json.loads(e["canonical"]) for e in bundle["events"]}
    assert set(about_scope.values_list("seq", flat=True)) <= set(proven)
    assert {body["object"]["type"] for body in proven.values()} <= {
        "inventory.asset",
        "inventory.assetversion",
        "oversight.finding",
        "model_cards.document",
        "lifecycle.approvalrequest",
        "evidence.evidence",
        "bias_reviews.biasreview",
        "lifecycle.waiver",
    }
    assert done_report.page_count >= 6
    png = save_page_one_png(data, "report-version-page1", tmp_path)
    assert png.stat().st_size > 10_000


def test_report_generated_event_carries_the_pdf_sha256(done_report):
    import hashlib

    event = AuditEvent.objects.get(action=AuditAction.REPORT_GENERATED, object_id=str(done_report.pk))
    assert event.payload["sha256"] == hashlib.sha256(pdf_bytes(done_report)).hexdigest() == done_report.sha256


def test_verify_passes_offline_and_live(done_report):
    data = pdf_bytes(done_report)
    offline = verify_report_bytes(data, public_key=keys.load_public_key())
    assert offline.ok, offline.summary
    assert [c.name for c in offline.checks] == ["signature", "bundle", "checkpoint", "events", "certificate"]
    live = verify_report_bytes(data, public_key=keys.load_public_key(), live=True)
    assert live.ok and live.checks[-1].name == "live ledger", live.summary


@pytest.mark.parametrize("where", ["header", "body", "attachment", "signature", "trailer", "last byte"])
def test_a_one_byte_change_anywhere_fails_verification(done_report, where):
    data = bytearray(pdf_bytes(done_report))
    contents = data.rindex(b"/Contents <") + len(b"/Contents <")
    offsets = {
        "header": 5,
        "body": len(data) // 3,
        "attachment": data.index(b"/EmbeddedFile") + 200,
        "signature": contents + 300,
        "trailer": data.rindex(b"startxref") + 2,
        "last byte": len(data) - 2,
    }
    offset = offsets[where]
    data[offset] ^= 0x01
    result = verify_report_bytes(bytes(data), public_key=keys.load_public_key())
    assert not result.ok
    assert result.summary.startswith(("NOT verified", "not a Steward report"))


def test_a_padding_byte_of_the_signature_cannot_change_unnoticed(done_report):
    data = bytearray(pdf_bytes(done_report))
    end = data.index(b">", data.rindex(b"/Contents <"))
    assert data[end - 1 : end] == b"0"
    data[end - 1] = ord("1")
    assert not verify_report_bytes(bytes(data), public_key=keys.load_public_key()).ok


def test_an_incremental_update_replacing_the_bundle_is_detected(done_report):
    data = pdf_bytes(done_report)
    writer = IncrementalPdfFileWriter(io.BytesIO(data))
    names = writer.root["/Names"]["/EmbeddedFiles"]["/Names"]
    items = [names[i] for i in range(len(names))]
    index = [str(n) for n in items[::2]].index(BUNDLE_NAME)
    spec = items[2 * index + 1]
    forged = json.loads(spec["/EF"]["/F"].get_object().data)
    forged["facts"]["summary"]["open_findings"] = {"total": 0, "by_severity": {}}
    spec["/EF"]["/F"] = writer.add_object(generic.StreamObject(stream_data=json.dumps(forged).encode()))
    writer.update_container(spec)
    out = io.BytesIO()
    writer.write(out)
    result = verify_report_bytes(out.getvalue(), public_key=keys.load_public_key())
    assert not result.ok
    assert "after signing" in result.summary or "bundle" in result.summary


def test_a_re_signed_forgery_with_a_changed_bundle_fails(done_report, tmp_path):
    """Even signed with Steward's own key, a bundle whose event text was edited does not verify."""
    data = pdf_bytes(done_report)
    bundle = bundle_of(data)
    event = bundle["events"][-1]
    event["canonical"] = event["canonical"].replace("2.3.0", "2.3.1")
    forged = json.dumps(bundle).encode()
    csv = b"seq\n"
    import hashlib

    html = (
        "<html><head><title>x</title>"
        f'<meta name="steward-bundle-sha256" content="{hashlib.sha256(forged).hexdigest()}">'
        f'<meta name="steward-events-csv-sha256" content="{hashlib.sha256(csv).hexdigest()}">'
        "</head><body><p>forged</p></body></html>"
    )
    from pathlib import Path

    from django.utils import timezone

    rendered = render_pdf(
        html,
        static_root=Path("governance/static"),
        moment=timezone.now(),
        attachments=[
            EmbeddedFile(BUNDLE_NAME, forged, "", "Data"),
            EmbeddedFile(CSV_NAME, csv, "", "Supplement"),
        ],
    )
    result = verify_report_bytes(
        sign_pdf(rendered.data, signing_certificate(), reason="forged"), public_key=keys.load_public_key()
    )
    assert not result.ok
    assert result.checks[0].ok and result.checks[1].ok  # signature and bundle hash hold...
    assert "leaf hash does not match" in result.summary  # ...but the edited event does not

    # Signed with a certificate the ledger never enrolled, an untouched bundle still fails.
    other = generate_certificate(tmp_path / "c.pem", tmp_path / "k.pem", common_name="Mallory")
    from governance.reports.certificates import ReportCertificate

    mallory = ReportCertificate(tmp_path / "c.pem", tmp_path / "k.pem", None, other)
    original = bundle_of(data)
    rendered = render_pdf(
        html.replace(
            hashlib.sha256(forged).hexdigest(), hashlib.sha256(json.dumps(original).encode()).hexdigest()
        ),
        static_root=Path("governance/static"),
        moment=timezone.now(),
        attachments=[
            EmbeddedFile(BUNDLE_NAME, json.dumps(original).encode(), "", "Data"),
            EmbeddedFile(CSV_NAME, csv, "", "Supplement"),
        ],
    )
    result = verify_report_bytes(
        sign_pdf(rendered.data, mallory, reason="x"), public_key=keys.load_public_key()
    )
    assert not result.ok
    assert "never enrolled" in result.summary


def test_a_wrong_public_key_fails(done_report, tmp_path):
    wrong = generate_key_pair(tmp_path / "k.pem", tmp_path / "k.pub")
    result = verify_report_bytes(pdf_bytes(done_report), public_key=wrong)
    assert not result.ok
    assert "checkpoint" in result.summary


def test_a_ledger_row_tampered_after_the_report_fails_the_live_check(done_report):
    data = pdf_bytes(done_report)
    seq = bundle_of(data)["events"][1]["seq"]
    with ledger_triggers_disabled(), transaction.atomic():
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE audit_auditevent SET canonical = replace(canonical, 'olivia', 'mallory') WHERE seq = %s",
                [seq],
            )
    assert verify_report_bytes(data, public_key=keys.load_public_key()).ok  # the file alone still holds
    live = verify_report_bytes(data, public_key=keys.load_public_key(), live=True)
    assert not live.ok
    assert f"event #{seq} in the ledger differs" in live.summary


@pytest.mark.parametrize(
    "content",
    [b"", b"hello, not a pdf", b"%PDF-1.7\n%garbage", b"\x00" * 500],
    ids=["empty", "text", "broken-pdf", "zeros"],
)
def test_files_that_are_not_steward_reports_say_so(content):
    result = verify_report_bytes(content, public_key=keys.load_public_key())
    assert not result.ok
    assert not result.steward_report or "damaged" in result.summary


def test_an_ordinary_pdf_is_not_a_steward_report():
    from pathlib import Path

    from django.utils import timezone

    plain = render_pdf(
        "<p>Quarterly figures</p>",
        static_root=Path("governance/static"),
        attachments=[],
        moment=timezone.now(),
    )
    result = verify_report_bytes(plain.data, public_key=keys.load_public_key())
    assert not result.steward_report
    assert result.summary.startswith("not a Steward report")


def test_verify_report_command_exit_codes(done_report, tmp_path, capsys):
    good = tmp_path / "report.pdf"
    good.write_bytes(pdf_bytes(done_report))
    key = tmp_path / "key.pem"
    key.write_text(keys.public_key_pem())
    call_command("verify_report", str(good), "--public-key", str(key), "--offline")
    assert "Verified (offline)" in capsys.readouterr().out
    call_command("verify_report", str(good), "--public-key", str(key), "--live")
    assert "against the live ledger" in capsys.readouterr().out

    bad = tmp_path / "bad.pdf"
    raw = bytearray(good.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    bad.write_bytes(bytes(raw))
    with pytest.raises(CommandError) as failed:
        call_command("verify_report", str(bad), "--public-key", str(key), "--offline")
    assert failed.value.returncode == 1
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(CommandError, match="not a Steward report"):
        call_command("verify_report", str(text), "--public-key", str(key))
    with pytest.raises(CommandError, match="Ed25519 public key"):
        call_command("verify_report", str(good), "--public-key", str(text))


def test_the_command_runs_offline_without_any_database(done_report, tmp_path):
    """A subprocess with an unreachable database still verifies (and says the live check was skipped)."""
    import os
    import subprocess
    import sys

    good = tmp_path / "report.pdf"
    good.write_bytes(pdf_bytes(done_report))
    key = tmp_path / "key.pem"
    key.write_text(keys.public_key_pem())
    env = os.environ | {
        "DATABASE_URL": "postgres://nobody@127.0.0.1:1/none",
        "DJANGO_SETTINGS_MODULE": "tests.settings",
    }
    run = subprocess.run(
        [sys.executable, "manage.py", "verify_report", str(good), "--public-key", str(key)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "not checked (offline)" in run.stdout
    assert public_key_from_pem(key.read_bytes())


def test_a_report_without_a_usable_certificate_fails_cleanly(
    people, reviewed_version, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.STEWARD_REPORT_CERT_FILE = str(tmp_path / "missing-cert.pem")
    settings.STEWARD_REPORT_KEY_FILE = str(tmp_path / "missing-key.pem")
    report = render(
        people.owner,
        django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
        scope="version",
        version_id=reviewed_version.pk,
    )
    assert report.status == ReportStatus.FAILED
    assert "will not render unsigned reports" in report.error
    assert report.file_name == "" and report.sha256 == ""
    assert AuditEvent.objects.filter(action=AuditAction.REPORT_FAILED, object_id=str(report.pk)).count() == 1
    assert not AuditEvent.objects.filter(action=AuditAction.REPORT_GENERATED).exists()


def test_duplicated_and_retried_tasks_never_make_a_second_report(done_report):
    from django.core.files.storage import default_storage

    from governance.reports import pipeline
    from governance.reports.tasks import render_report_task

    assert pipeline.run(str(done_report.pk)).startswith("not claimed")
    render_report_task.apply(args=[str(done_report.pk)])
    done_report.refresh_from_db()
    assert done_report.attempts == 1
    assert (
        AuditEvent.objects.filter(action=AuditAction.REPORT_GENERATED, object_id=str(done_report.pk)).count()
        == 1
    )
    assert default_storage.listdir(f"reports/{done_report.pk}")[1] == [
        done_report.file_name.rsplit("/", 1)[1]
    ]
    assert AuditReport.objects.count() == 1
