"""Documentation API: templates, documents, revisions, finality, diffs, export/import; visibility and errors."""

from __future__ import annotations

import json

import pytest

from tests.factories import filled_content, make_asset, make_final_card, make_version, walk_version_to


@pytest.fixture
def version(people):
    return make_version(make_asset(people.owner, people.retail))


def test_a_model_card_through_the_api(people, version, api_for):
    api = api_for(people.owner)
    created = api.post("/api/v1/documents/", {"version": version.pk, "kind": "model_card"})
    assert created.status_code == 201, created.json()
    doc = created.json()
    assert doc["template"] == "model-card" and doc["is_complete"] is False and len(doc["sections"]) == 9
    url = f"/api/v1/documents/{doc['id']}/"
    from governance.model_cards.models import Document

    content = filled_content(Document.objects.get(pk=doc["id"]))
    first = api.post(url + "revisions/", {"content": content, "summary": "First", "expected_revision": 0})
    assert first.status_code == 201 and first.json()["is_complete"] and first.json()["number"] == 1
    stale = api.post(url + "revisions/", {"sections": {"factors": "x"}, "expected_revision": 0})
    assert stale.status_code == 409 and stale.json()["code"] == "stale_revision"
    second = api.post(
        url + "revisions/", {"sections": {"factors": "Age and region."}, "expected_revision": 1}
    )
    assert second.status_code == 201 and second.json()["content"]["factors"] == "Age and region."
    other = api_for(people.owner2).post(url + "finalise/", {"expected_revision": 2})
    assert other.status_code == 403
    final = api.post(url + "finalise/", {"expected_revision": 2})
    assert final.status_code == 200 and final.json()["is_final"] and final.json()["final_revision"] == 2
    listing = api.get(url + "revisions/").json()
    assert [r["number"] for r in listing["results"]] == [2, 1] and "content" not in listing["results"][0]
    assert api.get(url + "revisions/1/").json()["content"]["factors"] == content["factors"]
    diff = api.get(url + "diff/?from_revision=1&to_revision=2").json()
    factors = next(d for d in diff if d["key"] == "factors")
    assert factors["status"] == "changed" and factors["inline"][0]["tag"] == "delete"
    bad = api.post(url + "revisions/", {"sections": {"metrics": "not a table"}})
    assert bad.status_code == 400 and "metrics" in bad.json()["errors"]


def test_incomplete_documents_cannot_be_finalised(people, version, api_for):
    api = api_for(people.owner)
    doc = api.post("/api/v1/documents/", {"version": version.pk, "kind": "model_card"}).json()
    api.post(f"/api/v1/documents/{doc['id']}/revisions/", {"sections": {"factors": "x"}})
    response = api.post(f"/api/v1/documents/{doc['id']}/finalise/", {})
    assert response.status_code == 409 and response.json()["code"] == "document_conflict"
    assert "Required section without content: Model details." in response.json()["reasons"]


def test_documents_are_visible_only_to_those_who_may_see_the_asset(people, version, api_for):
    card = make_final_card(version)
    assert api_for(people.outsider).get(f"/api/v1/documents/{card.pk}/").status_code == 404
    assert api_for(people.outsider).get("/api/v1/documents/").json()["count"] == 0
    assert api_for(people.compliance).get(f"/api/v1/documents/{card.pk}/").status_code == 200
    hidden = api_for(people.outsider).post(
        "/api/v1/documents/", {"version": version.pk, "kind": "model_card"}
    )
    assert hidden.status_code == 400 and "version" in hidden.json()["errors"]
    read_only = api_for(people.owner, "read").post(
        f"/api/v1/documents/{card.pk}/revisions/", {"sections": {}}
    )
    assert read_only.status_code == 403


def test_the_document_list_has_a_bounded_query_count(people, api_for, django_assert_max_num_queries):
    asset = make_asset(people.owner, people.retail)
    for _ in range(4):
        make_final_card(make_version(asset))
    api = api_for(people.compliance)
    with django_assert_max_num_queries(12):
        body = api.get("/api/v1/documents/").json()
    assert body["count"] == 4


def test_export_and_import_through_the_api(people, version, api_for):
    card = make_final_card(version)
    api = api_for(people.owner)
    exported = api.get(f"/api/v1/documents/{card.pk}/export/?output=markdown")
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/markdown")
    text = exported.content.decode().replace("Text of the section “Factors”.", "Imported factors.")
    imported = api.post(
        f"/api/v1/documents/{card.pk}/import/", {"format": "markdown", "text": text}, format="json"
    )
    assert imported.status_code == 201 and imported.json()["source"] == "import_markdown"
    assert imported.json()["content"]["factors"] == "Imported factors."
    as_json = json.loads(api.get(f"/api/v1/documents/{card.pk}/export/?output=json").content)
    assert as_json["revision"] == 2 and as_json["final"] is False
    refused = api.post(
        f"/api/v1/documents/{card.pk}/import/", {"format": "markdown", "text": "stray text"}, format="json"
    )
    assert (
        refused.status_code == 400 and "Text outside any known section" in refused.json()["errors"]["file"][0]
    )


def test_start_from_previous_through_the_api(people, version, api_for):
    make_final_card(version)
    newer = make_version(version.asset)
    response = api_for(people.owner).post(
        "/api/v1/documents/", {"version": newer.pk, "kind": "model_card", "start_from_previous": True}
    )
    assert response.status_code == 201 and response.json()["current_revision"]["source"] == "copy"


def test_templates_through_the_api(people, api_for):
    listing = api_for(people.owner).get("/api/v1/document-templates/").json()
    assert {t["slug"] for t in listing["results"]} >= {
        "model-card",
        "eu-ai-act-annex-iv",
        "validation-report",
        "datasheet",
    }
    sections = [{"key": "purpose", "title": "Purpose", "required": True}]
    assert (
        api_for(people.owner)
        .post(
            "/api/v1/document-templates/",
            {"slug": "x", "kind": "model_card", "name": "X", "sections": sections},
        )
        .status_code
        == 403
    )
    admin = api_for(people.admin)
    created = admin.post(
        "/api/v1/document-templates/",
        {"slug": "llm", "kind": "model_card", "name": "LLM", "sections": sections},
    )
    assert created.status_code == 201 and created.json()["current"]["number"] == 1
    updated = admin.patch("/api/v1/document-templates/llm/", {"is_active": False, "name": "LLM card"})
    assert updated.status_code == 200 and updated.json()["current"]["number"] == 2
    versions = admin.get("/api/v1/document-templates/llm/versions/").json()
    assert [v["number"] for v in versions["results"]] == [2, 1]
    bad = admin.post(
        "/api/v1/document-templates/", {"slug": "y", "kind": "model_card", "name": "Y", "sections": []}
    )
    assert bad.status_code == 400 and "sections" in bad.json()["errors"]


def test_documents_of_an_approved_version_answer_409(people, version, api_for):
    walk_version_to(version, "approved", people)
    card = version.documents.get(kind="model_card")
    response = api_for(people.owner).post(
        f"/api/v1/documents/{card.pk}/revisions/", {"sections": {"factors": "x"}}
    )
    assert response.status_code == 409 and response.json()["code"] == "read_only"
