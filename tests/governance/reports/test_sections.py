"""The sections built on approvals, documents, evidence and bias reviews, against their real models."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from governance.audit import keys
from governance.model_cards.models import Document
from governance.reports.models import ReportStatus
from governance.reports.verify import verify_report_bytes
from lifecycle.models import Decision
from tests.factories import make_asset, make_evidence, make_version, walk_version_to
from tests.governance.reports.conftest import pdf_bytes, render
from tests.governance.reports.helpers import bundle_of, pdf_text, save_page_one_png


def test_an_approved_version_report_shows_approvals_the_card_as_approved_bias_and_the_chain_head(
    people, django_capture_on_commit_callbacks, tmp_path
):
    asset = make_asset(people.owner, people.retail, name="Mortgage default model")
    version = make_version(asset, label="4.2")
    evidence = make_evidence(version)
    walk_version_to(version, "approved", people)
    report = render(
        people.compliance,
        django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
        scope="version",
        version_id=version.pk,
    )
    assert report.status == ReportStatus.DONE, report.error
    data = pdf_bytes(report)
    text = pdf_text(data, tmp_path)
    flat = " ".join(text.split())
    cells = "".join(pdf_text(data, tmp_path, layout=False).split())  # reading order keeps each cell whole

    decision = Decision.objects.filter(request__version=version).first()
    assert decision is not None
    assert "Approvals" in flat and decision.approver_name in flat and "Approve" in flat
    assert decision.request.policy.name in flat
    card = Document.objects.get(version=version, kind="model_card")
    assert "Model card" in flat and "Text of the section" in flat
    assert card.final_revision.sha256 in cells
    assert "the revision approved on" in flat
    assert "Evidence" in flat and evidence.label in flat
    assert evidence.sha256[:8] in flat  # the hash prints in groups of eight in a narrow column
    assert bundle_of(data)["facts"]["evidence"]["rows"][0]["sha256"] == evidence.sha256
    assert "Bias reviews" in flat and "Demographic parity difference" in flat
    assert report.chain_head in cells

    facts = bundle_of(data)["facts"]
    assert facts["approvals"]["requests"][-1]["status"] == "approved"
    assert facts["documents"]["documents"][0]["sha256"] in {
        card.final_revision.sha256,
        *Document.objects.values_list("final_revision__sha256", flat=True),
    }
    proven = {e["seq"] for e in bundle_of(data)["events"]}
    from governance.audit.models import AuditEvent

    decision_events = AuditEvent.objects.filter(
        object_type="lifecycle.approvalrequest", object_id=str(decision.request_id)
    )
    assert set(decision_events.values_list("seq", flat=True)) <= proven
    assert verify_report_bytes(data, public_key=keys.load_public_key(), live=True).ok
    save_page_one_png(data, "report-approved-version-page1", tmp_path)


def test_an_as_of_report_shows_the_state_before_the_approval(
    people, django_capture_on_commit_callbacks, tmp_path
):
    asset = make_asset(people.owner, people.retail, name="Collections model")
    version = make_version(asset, label="1.0")
    walk_version_to(version, "submitted", people)
    before = timezone.now()
    walk_version_to(version, "approved", people)
    report = render(
        people.owner,
        django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
        scope="version",
        version_id=version.pk,
        as_of=before,
    )
    assert report.status == ReportStatus.DONE, report.error
    facts = bundle_of(pdf_bytes(report))["facts"]
    assert facts["summary"]["version"]["stage"] == "submitted"
    assert [row["target"] for row in facts["timeline"]["rows"]] == ["submitted"]
    assert all(r["status"] == "open" or r["closed_at"] for r in facts["approvals"]["requests"])
    assert not any(r["decisions"] for r in facts["approvals"]["requests"] if r["object"] != "asset proposal")
    assert all(
        e["canonical"]
        and dt.datetime.fromisoformat(__import__("json").loads(e["canonical"])["time"].replace("Z", "+00:00"))
        <= before
        for e in bundle_of(pdf_bytes(report))["events"]
    )
    assert "State as of" in pdf_text(pdf_bytes(report), tmp_path)


def test_an_inventory_report_summarises_every_visible_asset(
    people, django_capture_on_commit_callbacks, tmp_path
):
    for i in range(3):
        make_version(make_asset(people.owner, people.retail, name=f"Retail model {i}"), label="1.0")
    make_asset(people.outsider, people.marketing, name="Campaign uplift model")
    mine = render(
        people.owner, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks, scope="inventory"
    )
    everything = render(
        people.compliance,
        django_capture_on_commit_callbacks=django_capture_on_commit_callbacks,
        scope="inventory",
    )
    assert mine.status == everything.status == ReportStatus.DONE
    owner_text = " ".join(pdf_text(pdf_bytes(mine), tmp_path).split())
    assert "Retail model 0" in owner_text and "Campaign uplift model" not in owner_text
    assert "Only the assets the requester may see are listed." in owner_text
    all_text = " ".join(pdf_text(pdf_bytes(everything), tmp_path).split())
    assert "Campaign uplift model" in all_text and "Retail model 2" in all_text
    rows = bundle_of(pdf_bytes(everything))["facts"]["inventory"]["rows"]
    assert {r["name"] for r in rows} >= {"Retail model 0", "Campaign uplift model"}
    assert {"stage", "ai_act_category", "materiality_tier", "owner", "last_approval", "next_review"} <= set(
        rows[0]
    )
    save_page_one_png(pdf_bytes(everything), "report-inventory-page1", tmp_path)
