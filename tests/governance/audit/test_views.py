"""The audit-trail page: visibility, filters, CSV export (visible, formula-safe, capped), verification."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from governance.audit.models import AuditEvent, VerificationRun
from tests.factories import make_asset, make_version, walk_version_to

pytestmark = pytest.mark.django_db


def read_csv(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


@pytest.fixture
def catalogue(people):
    """A retail asset with a submitted version, and a marketing asset the retail team may not see."""
    retail = make_asset(people.owner, people.retail, slug="credit-pd", name="Credit PD model")
    version = walk_version_to(make_version(retail, label="1.0"), "submitted", people)
    marketing = make_asset(people.outsider, people.marketing, slug="churn", name="Churn propensity")
    return retail, version, marketing


def test_compliance_sees_every_event(web_for, people, catalogue):
    page = web_for(people.compliance).get(reverse("audit:events"))
    assert page.status_code == 200
    assert "Credit PD model" in page.text and "Churn propensity" in page.text
    assert f"{AuditEvent.objects.count()} events" in page.text


def test_others_see_only_events_about_what_they_may_see_and_their_own(web_for, people, catalogue):
    text = web_for(people.outsider).get(reverse("audit:events")).text
    assert "Churn propensity" in text
    assert "Credit PD model" not in text


def test_rows_link_to_the_objects_the_viewer_may_open(web_for, people, catalogue):
    retail, version, _ = catalogue
    text = web_for(people.owner).get(reverse("audit:events")).text
    assert f'href="{retail.get_absolute_url()}"' in text
    assert f'href="{version.get_absolute_url()}"' in text
    assert '<details class="json">' in text  # the payload, expandable
    assert "Stage changed" in text  # the action's label, not only its code


def test_filters_by_object_action_actor_and_dates(web_for, people, catalogue):
    _, version, _ = catalogue
    client = web_for(people.compliance)
    by_object = client.get(
        reverse("audit:events"), {"object_type": "inventory.assetversion", "object_id": str(version.pk)}
    )
    expected = AuditEvent.objects.filter(
        object_type="inventory.assetversion", object_id=str(version.pk)
    ).count()
    assert f"{expected} events match" in by_object.text
    by_action = client.get(reverse("audit:events"), {"action": "lifecycle.stage_changed"}).text
    assert "1 event matches" in by_action
    by_area = client.get(reverse("audit:events"), {"action": "account."}).text
    assert "Churn propensity" not in by_area and "Team created" in by_area
    by_actor = client.get(reverse("audit:events"), {"actor": "xena"}).text
    assert "Churn propensity" in by_actor and "Credit PD model" not in by_actor
    today = timezone.now().date()
    assert (
        "0 events match"
        in client.get(reverse("audit:events"), {"until": str(today - timedelta(days=1))}).text
    )
    assert (
        "Churn propensity"
        in client.get(reverse("audit:events"), {"since": str(today), "until": str(today)}).text
    )


def test_invalid_filters_answer_400_with_the_error_by_the_field(web_for, people, catalogue):
    response = web_for(people.compliance).get(
        reverse("audit:events"), {"since": "2026-05-02", "until": "2026-05-01"}
    )
    assert response.status_code == 400
    assert "The end date is before the start date." in response.text
    assert 'id="id_until_error"' in response.text


def test_htmx_gets_only_the_results(web_for, people, catalogue):
    response = web_for(people.compliance).get(
        reverse("audit:events"),
        {"action": "lifecycle.stage_changed"},
        headers={"HX-Request": "true", "HX-Target": "results"},
    )
    assert "<html" not in response.text and '<div id="results"' in response.text


def test_the_events_page_uses_a_constant_number_of_queries(
    web_for, people, catalogue, django_assert_max_num_queries
):
    retail, _, _ = catalogue
    client = web_for(people.owner)
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("audit:events"))
    for _ in range(10):
        walk_version_to(make_version(retail), "submitted", people)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("audit:events"))


def test_csv_export_has_only_visible_events_and_is_formula_safe(web_for, people, catalogue):
    make_asset(people.outsider, people.marketing, slug="evil", name="=1+2", purpose="-2+3")
    rows = read_csv(web_for(people.outsider).get(reverse("audit:export")))
    assert rows, "the outsider sees their own events"
    assert all(row["object_repr"] != "Credit PD model" for row in rows)
    evil = next(row for row in rows if row["object_id"] and row["object_repr"].endswith("=1+2"))
    assert evil["object_repr"] == "'=1+2"
    assert "-2+3" in evil["payload"] and evil["payload"].startswith("{")
    assert len(rows[0]["leaf"]) == 64 and int(rows[0]["seq"]) > 0


def test_csv_export_is_capped_and_says_so(web_for, people, catalogue, settings):
    settings.STEWARD_AUDIT_CSV_MAX_ROWS = 3
    response = web_for(people.compliance).get(reverse("audit:export"))
    assert len(read_csv(response)) == 3
    assert response["X-Steward-Rows-Capped"] == "3"
    filtered = web_for(people.compliance).get(reverse("audit:export"), {"action": "lifecycle.stage_changed"})
    assert "X-Steward-Rows-Capped" not in filtered


def test_compliance_verifies_the_chain_from_the_page(web_for, people, catalogue):
    client = web_for(people.compliance)
    response = client.post(reverse("audit:verify"), follow=True)
    run = VerificationRun.objects.get()
    assert run.ok and run.triggered_by == people.compliance.username
    assert "The audit chain is intact" in response.text
    assert 'class="badge badge--verdict-intact">Intact<' in response.text


def test_only_compliance_and_admin_may_verify(web_for, people, catalogue):
    client = web_for(people.owner)
    assert client.post(reverse("audit:verify")).status_code == 403
    assert client.get(reverse("audit:verify")).status_code == 405
    assert not VerificationRun.objects.exists()
    assert "Verify now" not in client.get(reverse("audit:events")).text


def test_the_public_key_and_its_fingerprint_are_offered(web_for, people):
    from governance.audit.keys import fingerprint_display, public_key_pem

    client = web_for(people.owner)
    assert fingerprint_display() in client.get(reverse("audit:events")).text
    download = client.get(reverse("audit:public_key"))
    assert download.status_code == 200
    assert download.content.decode() == public_key_pem()
    assert "attachment" in download["Content-Disposition"]
