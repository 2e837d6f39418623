"""Document pages: reading, section editing, finality, history and diffs, import; the template admin."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from governance.model_cards.models import Document, DocumentTemplate
from tests.factories import make_asset, make_final_card, make_version


@pytest.fixture
def version(people):
    return make_version(make_asset(people.owner, people.retail))


def no_inline_styles(html: str) -> None:
    assert not re.search(r"\sstyle=", html) and "<script>" not in html and not re.search(r"\son[a-z]+=", html)


def test_the_version_page_shows_the_documentation_panel(people, version, web_for):
    page = web_for(people.owner).get(version.get_absolute_url())
    html = page.content.decode()
    assert (
        page.status_code == 200 and "Documentation" in html and "Evidence" in html and "Bias review" in html
    )
    no_inline_styles(html)


def test_start_edit_and_finalise_a_card_in_the_ui(people, version, web_for):
    client = web_for(people.owner)
    response = client.post("/documents/new/", {"version": version.pk, "kind": "model_card"})
    card = Document.objects.get(version=version, kind="model_card")
    assert response.status_code == 302 and response["Location"] == card.get_absolute_url()
    page = client.get(card.get_absolute_url()).content.decode()
    assert "Required, not written yet." in page and "(required)" in page and "Guidance" in page
    no_inline_styles(page)
    form = client.get(f"/documents/{card.pk}/sections/metrics/")
    assert form.status_code == 200 and 'name="cell-0-0"' in form.content.decode()
    saved = client.post(
        f"/documents/{card.pk}/sections/metrics/",
        {
            "rows": "2",
            "cell-0-0": "AUC",
            "cell-0-1": "0.81",
            "cell-0-2": "",
            "cell-0-3": "",
            "cell-1-0": "",
            "cell-1-1": "",
            "cell-1-2": "",
            "cell-1-3": "",
            "expected_revision": "0",
        },
    )
    assert saved.status_code == 302
    card.refresh_from_db()
    assert card.current_revision.content["metrics"] == [["AUC", "0.81", "", ""]]
    stale = client.post(f"/documents/{card.pk}/sections/factors/", {"value": "x", "expected_revision": "0"})
    assert stale.status_code == 400 and "someone saved in between" in stale.content.decode()
    assert "x" in stale.content.decode()  # what was typed is kept
    client.post(
        f"/documents/{card.pk}/sections/model_details/",
        {"field-developer": "Retail analytics", "expected_revision": "1"},
    )
    card.refresh_from_db()
    assert card.current_revision.content["model_details"] == {"developer": "Retail analytics"}
    refused = client.post(f"/documents/{card.pk}/final/", follow=True)
    assert "An incomplete document cannot be marked final." in refused.content.decode()


def test_markdown_is_rendered_safely_on_the_page(people, version, web_for):
    card = make_final_card(
        version, intended_use="**Loans** <script>alert(1)</script> ![x](https://evil/p.png)"
    )
    html = web_for(people.owner).get(card.get_absolute_url()).content.decode()
    assert "<strong>Loans</strong>" in html and "&lt;script&gt;" in html and "[image: x]" in html
    assert "https://evil/p.png" not in html


def test_history_and_diffs(people, version, web_for):
    card = make_final_card(version)
    client = web_for(people.owner)
    client.post(
        f"/documents/{card.pk}/sections/factors/", {"value": "Age and region.", "summary": "Named factors"}
    )
    history = client.get(f"/documents/{card.pk}/revisions/").content.decode()
    assert "Named factors" in history and "Compare two revisions" in history
    side = client.get(f"/documents/{card.pk}/diff/?from=1&to=2").content.decode()
    assert "1 section changed" in side and "<ins>Age" in side and "<del>Text" in side
    inline = client.get(f"/documents/{card.pk}/diff/?from=1&to=2&mode=inline").content.decode()
    assert "Removed: " in inline and "Added: " in inline
    no_inline_styles(side)
    assert client.get(f"/documents/{card.pk}/revisions/1/").status_code == 200
    assert client.get(f"/documents/{card.pk}/diff/?from=1&to=9").status_code == 404


def test_export_and_import_in_the_ui(people, version, web_for):
    card = make_final_card(version)
    client = web_for(people.owner)
    exported = client.get(f"/documents/{card.pk}/export/json/")
    assert exported["Content-Disposition"].startswith("attachment;")
    data = exported.content.replace("Text of the section “Factors”.".encode(), b"From JSON.")
    client.post(
        f"/documents/{card.pk}/import/", {"format": "json", "file": SimpleUploadedFile("c.json", data)}
    )
    card.refresh_from_db()
    assert (
        card.current_revision.content["factors"] == "From JSON."
        and card.current_revision.source == "import_json"
    )
    bad = client.post(
        f"/documents/{card.pk}/import/",
        {"format": "json", "file": SimpleUploadedFile("c.json", b"{nope")},
        follow=True,
    )
    assert "Import failed: The file is not valid JSON" in bad.content.decode()


def test_pages_answer_404_to_those_who_may_not_see_the_asset(people, version, web_for):
    card = make_final_card(version)
    client = web_for(people.outsider)
    for url in (
        card.get_absolute_url(),
        f"/documents/{card.pk}/revisions/",
        f"/documents/{card.pk}/export/json/",
        f"/documents/{card.pk}/sections/factors/",
    ):
        assert client.get(url).status_code == 404, url
    assert web_for(people.owner2).get(f"/documents/{card.pk}/sections/factors/").status_code == 200


def test_template_admin(people, web_for):
    assert web_for(people.owner).get("/documents/templates/model-card/edit/").status_code == 403
    client = web_for(people.admin)
    page = client.get("/documents/templates/model-card/edit/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="sections-TOTAL_FORMS" value="11"' in html  # nine sections and two blank rows
    data = {
        "name": "Model card (bank edition)",
        "description": "",
        "is_active": "on",
        "sections-TOTAL_FORMS": "1",
        "sections-INITIAL_FORMS": "0",
        "sections-MIN_NUM_FORMS": "0",
        "sections-MAX_NUM_FORMS": "1000",
        "sections-0-order": "1",
        "sections-0-key": "summary",
        "sections-0-title": "Summary",
        "sections-0-kind": "fields",
        "sections-0-required": "on",
        "sections-0-field_list": "owner | Owner | required\nnotes | Notes",
    }
    saved = client.post("/documents/templates/model-card/edit/", data)
    assert saved.status_code == 302
    current = DocumentTemplate.objects.get(slug="model-card").current_version
    assert current.number == 2 and current.name == "Model card (bank edition)"
    assert current.sections[0]["fields"][0] == {"key": "owner", "label": "Owner", "required": True}
    data["sections-0-key"] = "Bad Key"
    refused = client.post("/documents/templates/model-card/edit/", data)
    assert refused.status_code == 400 and "lower-case letters" in refused.content.decode()
    listing = web_for(people.owner).get("/documents/templates/").content.decode()
    assert "EU AI Act Annex IV" in listing
