"""Inventory pages: visibility (404 / hidden rows), filters, sorting, CSV safety, forms and query counts."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from governance.audit.actors import Actor
from governance.audit.models import AuditEvent
from governance.inventory.models import Asset, AssetVersion
from lifecycle.transitions import transition
from tests.factories import activate, make_asset, make_version, walk_version_to

pytestmark = pytest.mark.django_db


def read_csv(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body)))


@pytest.fixture
def retail_asset(people) -> Asset:
    return make_asset(people.owner, people.retail, slug="credit-pd", name="Credit PD model")


@pytest.fixture
def marketing_asset(people) -> Asset:
    return make_asset(people.outsider, people.marketing, slug="churn", name="Churn propensity")


# --- list ----------------------------------------------------------------------------------------


def test_the_list_shows_only_assets_the_viewer_may_see(web_for, people, retail_asset, marketing_asset):
    page = web_for(people.owner).get(reverse("inventory:list"))
    assert page.status_code == 200
    assert "Credit PD model" in page.text
    assert "Churn propensity" not in page.text


def test_compliance_sees_every_asset(web_for, people, retail_asset, marketing_asset):
    page = web_for(people.compliance).get(reverse("inventory:list"))
    assert "Credit PD model" in page.text and "Churn propensity" in page.text


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("inventory:list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_filters_search_and_stage_narrow_the_list(web_for, people, retail_asset):
    other = make_asset(people.owner, people.retail, slug="fraud-gbm", name="Fraud GBM", kind="pipeline")
    activate(other, people.approver)
    client = web_for(people.compliance)
    assert "Fraud GBM" not in client.get(reverse("inventory:list"), {"q": "PD model"}).text
    by_stage = client.get(reverse("inventory:list"), {"stage": "active"}).text
    assert "Fraud GBM" in by_stage and "Credit PD model" not in by_stage
    by_kind = client.get(reverse("inventory:list"), {"kind": "pipeline", "team": "retail-credit"}).text
    assert "Fraud GBM" in by_kind and "Credit PD model" not in by_kind


def test_version_stage_filter_finds_assets_with_a_version_in_that_stage(web_for, people, retail_asset):
    other = make_asset(people.owner, people.retail, name="Other model")
    walk_version_to(make_version(retail_asset), "submitted", people)
    make_version(other)
    page = web_for(people.owner).get(reverse("inventory:list"), {"version_stage": "submitted"}).text
    assert "Credit PD model" in page and "Other model" not in page


def test_sorting_is_server_side_and_ignores_unknown_keys(web_for, people):
    for name in ["Beta", "Alpha", "Gamma"]:
        make_asset(people.owner, people.retail, name=name)
    client = web_for(people.owner)
    text = client.get(reverse("inventory:list"), {"sort": "-name"}).text
    assert text.index("Gamma") < text.index("Beta") < text.index("Alpha")
    assert 'aria-sort="descending"' in text
    fallback = client.get(reverse("inventory:list"), {"sort": "purpose"})  # not a sortable column
    assert fallback.status_code == 200
    assert fallback.text.index("Alpha") < fallback.text.index("Gamma")


def test_htmx_requests_get_only_the_results_fragment(web_for, people, retail_asset):
    response = web_for(people.owner).get(
        reverse("inventory:list"), {"q": "credit"}, headers={"HX-Request": "true", "HX-Target": "results"}
    )
    assert response.status_code == 200
    assert '<div id="results"' in response.text
    assert "<html" not in response.text
    assert 'hx-swap-oob="innerHTML"' in response.text  # the live result count is updated too


def test_the_list_pages_fifty_at_a_time(web_for, people):
    for i in range(51):
        make_asset(people.owner, people.retail, name=f"Model {i:02d}")
    client = web_for(people.owner)
    first = client.get(reverse("inventory:list")).text
    assert "Model 49" in first and "Model 50" not in first
    assert "Page 1 of 2" in first
    assert "Model 50" in client.get(reverse("inventory:list"), {"page": 2}).text


def test_the_list_uses_a_constant_number_of_queries(web_for, people, django_assert_max_num_queries):
    client = web_for(people.owner)
    for _ in range(3):
        make_version(make_asset(people.owner, people.retail))
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("inventory:list"))
    for _ in range(20):
        make_version(make_asset(people.owner, people.retail))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("inventory:list"))


# --- CSV export ----------------------------------------------------------------------------------


def test_csv_export_lists_only_visible_assets_and_keeps_the_filters(
    web_for, people, retail_asset, marketing_asset
):
    make_asset(people.owner, people.retail, name="Another retail model", kind="dataset")
    response = web_for(people.owner).get(reverse("inventory:export"), {"kind": "model"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = read_csv(response)
    assert [row["slug"] for row in rows] == ["credit-pd"]
    assert rows[0]["team"] == "retail-credit" and rows[0]["versions"] == "0"


def test_csv_export_neutralises_spreadsheet_formulas(web_for, people):
    make_asset(
        people.owner,
        people.retail,
        slug="evil",
        name='=HYPERLINK("http://evil.example","x")',
        purpose="+cmd|' /C calc'!A0",
        vendor="@SUM(1+1)",
    )
    rows = read_csv(web_for(people.owner).get(reverse("inventory:export")))
    assert rows[0]["name"] == '\'=HYPERLINK("http://evil.example","x")'
    assert rows[0]["purpose"].startswith("'+cmd")
    assert rows[0]["vendor"] == "'@SUM(1+1)"
    assert rows[0]["materiality_tier"] == "1"  # numbers are not prefixed


# --- asset page ----------------------------------------------------------------------------------


def test_an_outsider_gets_404_for_an_asset_they_may_not_see(web_for, people, retail_asset):
    response = web_for(people.outsider).get(reverse("inventory:asset", args=[retail_asset.slug]))
    assert response.status_code == 404


def test_the_asset_page_shows_details_versions_timeline_and_moves(web_for, people, retail_asset):
    version = make_version(retail_asset, label="2.0")
    page = web_for(people.owner).get(retail_asset.get_absolute_url())
    assert page.status_code == 200
    text = page.text
    assert "Credit PD model" in text and "Scores applications for credit risk." in text
    assert reverse("inventory:version", args=[retail_asset.slug, version.pk]) in text
    assert 'class="badge badge--proposed">Proposed<' in text
    assert "No stage changes yet" in text
    # An owner may not approve their own proposal, so no approval button is offered to them.
    assert "Approve proposal" not in text


def test_the_owner_of_an_active_asset_is_offered_retirement_with_a_reason(web_for, people, retail_asset):
    activate(retail_asset, people.approver)
    text = web_for(people.owner).get(retail_asset.get_absolute_url()).text
    assert "Retire asset…" in text  # reason required: a reason form behind a disclosure
    assert '<textarea name="reason"' in text
    assert "Retire asset" not in web_for(people.compliance).get(retail_asset.get_absolute_url()).text


def test_hidden_dependencies_are_counted_not_named(web_for, people, retail_asset, marketing_asset):
    from governance.inventory.services import update_asset

    update_asset(actor=Actor.for_user(people.owner), asset=retail_asset, dependencies=[marketing_asset])
    text = web_for(people.owner2).get(retail_asset.get_absolute_url()).text
    assert "Churn propensity" not in text
    assert "and 1 asset you may not see" in text


def test_the_asset_page_uses_a_constant_number_of_queries(
    web_for, people, retail_asset, django_assert_max_num_queries
):
    client = web_for(people.owner)
    make_version(retail_asset)
    with django_assert_max_num_queries(60) as few:
        client.get(retail_asset.get_absolute_url())
    for _ in range(8):
        walk_version_to(make_version(retail_asset), "submitted", people)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(retail_asset.get_absolute_url())


# --- version page --------------------------------------------------------------------------------


def test_an_outsider_gets_404_for_a_version_they_may_not_see(web_for, people, retail_asset):
    version = make_version(retail_asset)
    client = web_for(people.outsider)
    assert client.get(version.get_absolute_url()).status_code == 404
    # A right version id under the wrong asset slug is not found either.
    other = make_asset(people.outsider, people.marketing)
    assert client.get(reverse("inventory:version", args=[other.slug, version.pk])).status_code == 404


def test_the_version_page_shows_identity_tables_and_only_the_viewers_moves(web_for, people, retail_asset):
    version = make_version(
        retail_asset,
        label="3.1",
        artifact_digest="a" * 64,
        code_commit="abc123",
        training_data_refs=["s3://lake/train/"],
        hyperparameters={"max_depth": 6},
        metrics={"auc": 0.81},
    )
    owner_page = web_for(people.owner).get(version.get_absolute_url()).text
    assert "sha256:" + "a" * 64 in owner_page
    assert "max_depth" in owner_page and "0.81" in owner_page and "s3://lake/train/" in owner_page
    assert ">Submit for validation</button>" in owner_page
    assert "Retire…" in owner_page  # reason-required edge asks for a reason
    assert f'value="{version.stage}"' in owner_page  # expected_from guards against stale pages

    validator_page = web_for(people.validator).get(version.get_absolute_url())
    assert validator_page.status_code == 404  # not submitted yet: nothing to claim, not their team


def test_moves_whose_gates_are_unmet_are_shown_disabled_with_their_reasons(web_for, people, retail_asset):
    version = walk_version_to(make_version(retail_asset), "validated", people)
    text = web_for(people.team_approver).get(version.get_absolute_url()).text
    assert "disabled" in text
    assert "Approvers must not belong to the team that owns the asset." in text


def test_the_stage_at_form_answers_from_the_transition_rows(web_for, people, retail_asset):
    with time_machine.travel(datetime(2026, 3, 1, 9, 0, tzinfo=UTC), tick=False):
        version = make_version(retail_asset)
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False):
        walk_version_to(version, "submitted", people)
    client = web_for(people.owner)
    registered = client.get(version.get_absolute_url(), {"at": "2026-03-01T18:00"})
    assert registered.status_code == 200
    assert 'it was <span class="badge badge--registered">Registered</span>' in registered.text
    submitted = client.get(version.get_absolute_url(), {"at": "2026-03-02T09:00:01"}).text
    assert 'it was <span class="badge badge--submitted">Submitted</span>' in submitted
    fragment = client.get(
        version.get_absolute_url(),
        {"at": "2001-01-01T00:00"},
        headers={"HX-Request": "true", "HX-Target": "stage-at-answer"},
    )
    assert "<html" not in fragment.text and "not registered yet" in fragment.text
    assert "Enter a date and time" in client.get(version.get_absolute_url(), {"at": "yesterday"}).text


def test_the_version_page_uses_a_constant_number_of_queries(
    web_for, people, retail_asset, django_assert_max_num_queries
):
    client = web_for(people.owner)
    version = make_version(retail_asset)
    with django_assert_max_num_queries(60) as few:
        client.get(version.get_absolute_url())
    # The same stage with a much longer history (transitions and audit events) costs no more queries.
    for _ in range(5):
        walk_version_to(version, "submitted", people)
        transition(version, "registered", actor=Actor.for_user(people.owner))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(version.get_absolute_url())


# --- forms ----------------------------------------------------------------------------------------


def asset_form(**overrides) -> dict[str, object]:
    data = {
        "slug": "new-model",
        "name": "New model",
        "kind": "model",
        "team": "retail-credit",
        "purpose": "Predicts things.",
        "ai_act_category": "limited",
        "materiality_tier": "2",
        "tags": "retail, scoring, retail",
    }
    data.update(overrides)
    return data


def test_an_owner_proposes_an_asset_through_the_service(web_for, people):
    response = web_for(people.owner).post(reverse("inventory:asset_create"), asset_form())
    asset = Asset.objects.get(slug="new-model")
    assert response.status_code == 302 and response.url == asset.get_absolute_url()
    assert asset.stage == "proposed" and asset.tags == ["retail", "scoring"] and asset.owner == people.owner
    assert AuditEvent.objects.filter(action="inventory.asset_created", object_id=str(asset.pk)).exists()


def test_a_prohibited_category_is_refused_with_a_clear_error_and_nothing_is_written(web_for, people):
    events = AuditEvent.objects.count()
    response = web_for(people.owner).post(
        reverse("inventory:asset_create"), asset_form(ai_act_category="prohibited", name="Social scoring")
    )
    assert response.status_code == 400
    assert "Prohibited AI practices" in response.text
    assert 'value="Social scoring"' in response.text  # what was typed is kept
    assert not Asset.objects.filter(slug="new-model").exists()
    assert AuditEvent.objects.count() == events


def test_the_team_must_be_one_of_the_owners_teams(web_for, people):
    response = web_for(people.owner).post(reverse("inventory:asset_create"), asset_form(team="marketing"))
    assert response.status_code == 400
    assert not Asset.objects.filter(slug="new-model").exists()


def test_a_duplicate_slug_is_reported_next_to_the_slug(web_for, people, retail_asset):
    response = web_for(people.owner).post(reverse("inventory:asset_create"), asset_form(slug="credit-pd"))
    assert response.status_code == 400
    assert "already exists" in response.text
    assert 'id="id_slug_error"' in response.text


def test_only_owners_in_a_team_may_open_the_proposal_form(web_for, people):
    assert web_for(people.validator).get(reverse("inventory:asset_create")).status_code == 403
    assert web_for(people.owner).get(reverse("inventory:asset_create")).status_code == 200


def test_an_owner_edits_their_asset_and_others_may_not(web_for, people, retail_asset):
    data = asset_form(name="Credit PD model v2")
    del data["slug"], data["team"]
    response = web_for(people.owner2).post(reverse("inventory:asset_edit", args=[retail_asset.slug]), data)
    assert response.status_code == 302
    retail_asset.refresh_from_db()
    assert retail_asset.name == "Credit PD model v2"
    assert (
        web_for(people.compliance).get(reverse("inventory:asset_edit", args=[retail_asset.slug])).status_code
        == 403
    )


def test_editing_keeps_dependencies_the_editor_cannot_see(web_for, people, retail_asset, marketing_asset):
    from governance.inventory.services import update_asset

    update_asset(actor=Actor.for_user(people.owner), asset=retail_asset, dependencies=[marketing_asset])
    data = asset_form(name="Renamed")
    del data["slug"], data["team"]
    web_for(people.owner2).post(reverse("inventory:asset_edit", args=[retail_asset.slug]), data)
    assert list(retail_asset.dependencies.all()) == [marketing_asset]


def test_registering_and_editing_a_version(web_for, people, retail_asset):
    client = web_for(people.owner)
    response = client.post(
        reverse("inventory:version_create", args=[retail_asset.slug]),
        {"label": "1.0", "hyperparameters": '{"depth": 4}', "training_data_refs": "s3://a\n\ns3://b\n"},
    )
    version = AssetVersion.objects.get(asset=retail_asset, label="1.0")
    assert response.status_code == 302 and response.url == version.get_absolute_url()
    assert version.hyperparameters == {"depth": 4} and version.training_data_refs == ["s3://a", "s3://b"]
    edit = client.post(
        reverse("inventory:version_edit", args=[retail_asset.slug, version.pk]), {"metrics": '{"auc": 0.7}'}
    )
    assert edit.status_code == 302
    version.refresh_from_db()
    assert version.metrics == {"auc": 0.7}


def test_invalid_json_is_reported_and_the_typed_text_kept(web_for, people, retail_asset):
    response = web_for(people.owner).post(
        reverse("inventory:version_create", args=[retail_asset.slug]),
        {"label": "1.0", "hyperparameters": '{"depth": NaN}', "metrics": "[1, 2]"},
    )
    assert response.status_code == 400
    assert "Enter valid JSON" in response.text and "Enter a JSON object" in response.text
    assert "{&quot;depth&quot;: NaN}" in response.text
    assert not AssetVersion.objects.filter(asset=retail_asset).exists()


def test_a_frozen_version_cannot_be_edited(web_for, people, retail_asset):
    version = walk_version_to(make_version(retail_asset, code_commit="abc"), "approved", people)
    client = web_for(people.owner)
    url = reverse("inventory:version_edit", args=[retail_asset.slug, version.pk])
    opened = client.get(url, follow=True)
    assert opened.redirect_chain[-1][0] == version.get_absolute_url()
    assert "read-only" in opened.text
    events = AuditEvent.objects.count()
    refused = client.post(url, {"code_commit": "def"})
    assert refused.status_code == 409
    assert "Register a new version to change it." in refused.text
    version.refresh_from_db()
    assert version.code_commit == "abc" and AuditEvent.objects.count() == events
