"""Inventory API: visibility, permissions, validation and read-only stages."""

import django_filters
import pytest
from django.urls import reverse

from governance.api.filters import _parameter_names
from governance.audit.models import AuditEvent
from governance.inventory.filtersets import VersionFilter
from governance.inventory.models import Asset
from tests.factories import make_asset, make_version, walk_version_to

ASSET_BODY = {
    "slug": "loan-pricing",
    "name": "Loan pricing",
    "team": "retail-credit",
    "purpose": "Prices loans.",
    "ai_act_category": "limited",
    "materiality_tier": 2,
}


def test_lists_show_only_what_the_caller_may_see(people, api_for):
    mine = make_asset(people.owner, people.retail)
    make_asset(people.outsider, people.marketing)
    slugs = [a["slug"] for a in api_for(people.owner).get("/api/v1/assets/").json()["results"]]
    assert slugs == [mine.slug]
    assert len(api_for(people.compliance).get("/api/v1/assets/").json()["results"]) == 2


def test_an_asset_the_caller_may_not_see_is_404(people, api_for):
    other = make_asset(people.outsider, people.marketing)
    assert api_for(people.owner).get(f"/api/v1/assets/{other.slug}/").status_code == 404
    version = make_version(other)
    assert api_for(people.owner).get(f"/api/v1/versions/{version.pk}/").status_code == 404


def test_owner_proposes_an_asset_for_their_team(people, api_for):
    response = api_for(people.owner).post("/api/v1/assets/", ASSET_BODY, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["stage"] == "proposed"
    assert AuditEvent.objects.filter(
        action="inventory.asset_created", object_id=str(Asset.objects.get().pk)
    ).exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"ai_act_category": "prohibited"}, "ai_act_category"),
        ({"materiality_tier": 7}, "materiality_tier"),
        ({"team": "no-such-team"}, "team"),
        ({"slug": "Not A Slug!"}, "slug"),
        ({"purpose": ""}, "purpose"),
    ],
)
def test_bad_asset_input_is_a_400_with_the_field_named_and_nothing_written(people, api_for, change, field):
    client = api_for(people.owner)
    events = AuditEvent.objects.count()
    response = client.post("/api/v1/assets/", ASSET_BODY | change, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert Asset.objects.count() == 0 and AuditEvent.objects.count() == events


def test_duplicate_slug_is_a_field_error(people, api_for):
    make_asset(people.owner, people.retail, slug="loan-pricing")
    response = api_for(people.owner).post("/api/v1/assets/", ASSET_BODY, format="json")
    assert response.status_code == 400 and "slug" in response.json()["errors"]


def test_a_validator_may_not_propose_assets(people, api_for):
    response = api_for(people.validator).post(
        "/api/v1/assets/", ASSET_BODY | {"team": "model-validation"}, format="json"
    )
    assert response.status_code == 403


def test_read_tokens_cannot_write(people, api_for):
    assert (
        api_for(people.owner, scope="read").post("/api/v1/assets/", ASSET_BODY, format="json").status_code
        == 403
    )


def test_malformed_json_is_a_400(people, api_for):
    response = api_for(people.owner).post("/api/v1/assets/", "{not json", content_type="application/json")
    assert response.status_code == 400


def test_stage_is_read_only_through_patch(people, api_for):
    version = make_version(make_asset(people.owner, people.retail))
    response = api_for(people.owner).patch(
        f"/api/v1/versions/{version.pk}/", {"stage": "deployed", "run_id": "r1"}, format="json"
    )
    assert response.status_code == 200
    version.refresh_from_db()
    assert version.stage == "registered" and version.run_id == "r1"


def test_an_approved_version_is_read_only(people, api_for):
    version = walk_version_to(make_version(make_asset(people.owner, people.retail)), "approved", people)
    response = api_for(people.owner).patch(
        f"/api/v1/versions/{version.pk}/", {"run_id": "changed"}, format="json"
    )
    assert response.status_code == 409
    assert "read-only" in response.json()["detail"]


def test_registering_a_version_of_an_invisible_asset_is_refused_without_revealing_it(people, api_for):
    other = make_asset(people.outsider, people.marketing)
    response = api_for(people.owner).post(
        "/api/v1/versions/", {"asset": other.slug, "label": "1"}, format="json"
    )
    assert response.status_code == 400
    missing = api_for(people.owner).post("/api/v1/versions/", {"asset": "nope", "label": "1"}, format="json")
    assert (
        response.json()["errors"]["asset"][0].replace(other.slug, "nope")
        == missing.json()["errors"]["asset"][0]
    )


def test_duplicate_version_label_and_registry_ref_are_field_errors(people, api_for):
    asset = make_asset(people.owner, people.retail)
    make_version(asset, label="1", registry_ref="models:/x/1")
    client = api_for(people.owner)
    dup_label = client.post("/api/v1/versions/", {"asset": asset.slug, "label": "1"}, format="json")
    assert dup_label.status_code == 400 and "label" in dup_label.json()["errors"]
    dup_ref = client.post(
        "/api/v1/versions/", {"asset": asset.slug, "label": "2", "registry_ref": "models:/x/1"}, format="json"
    )
    assert dup_ref.status_code == 400 and "registry_ref" in dup_ref.json()["errors"]


def test_invalid_digest_is_refused(people, api_for):
    asset = make_asset(people.owner, people.retail)
    response = api_for(people.owner).post(
        "/api/v1/versions/", {"asset": asset.slug, "label": "1", "artifact_digest": "xyz"}, format="json"
    )
    assert response.status_code == 400 and "artifact_digest" in response.json()["errors"]


@pytest.mark.parametrize("url", ["/api/v1/assets/", "/api/v1/versions/"])
def test_list_query_count_does_not_grow_with_rows(people, api_for, django_assert_max_num_queries, url):
    client = api_for(people.compliance)
    for _ in range(3):
        make_version(make_asset(people.owner, people.retail))
    with django_assert_max_num_queries(8) as small:
        client.get(url)
    for _ in range(30):
        make_version(make_asset(people.owner, people.retail))
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_schema_and_docs_are_served_without_a_cdn(people, client):
    client.force_login(people.owner)
    schema = client.get(reverse("api-schema"))
    assert schema.status_code == 200
    docs = client.get(reverse("api-docs")).content.decode()
    assert "cdn" not in docs.lower() and "unpkg" not in docs.lower() and "jsdelivr" not in docs.lower()


def test_list_filters_apply_and_a_bad_filter_value_is_a_400(people, api_for):
    client = api_for(people.compliance)
    loans = make_asset(people.owner, people.retail)
    fraud = make_asset(people.outsider, people.marketing)
    make_version(loans, label="1.0")
    make_version(fraud, label="2.0")

    everything = client.get("/api/v1/versions/").json()
    assert {row["label"] for row in everything["results"]} == {"1.0", "2.0"}
    only_loans = client.get("/api/v1/versions/", {"asset": loans.slug, "ignored": "x"}).json()
    assert [row["label"] for row in only_loans["results"]] == ["1.0"]
    assert client.get("/api/v1/versions/", {"team": "nobody"}).json()["results"] == []

    refused = client.get("/api/v1/versions/", {"stage": "launched"})
    assert refused.status_code == 400 and "stage" in refused.json()["errors"]
    refused = client.get("/api/v1/versions/", {"review_due_before": "soon"})
    assert refused.status_code == 400 and "review_due_before" in refused.json()["errors"]


def test_the_filter_backend_always_filters_a_filterset_whose_parameters_are_not_its_names():
    class RangeFilter(django_filters.FilterSet):
        created = django_filters.DateFromToRangeFilter()  # reads created_after / created_before

    assert _parameter_names(RangeFilter) is None
    assert _parameter_names(VersionFilter) == {"asset", "stage", "team", "registry_ref", "review_due_before"}
