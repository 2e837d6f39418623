"""Export and import: Steward JSON and Hugging Face style Markdown round-trip; bad imports are refused."""

from __future__ import annotations

import pytest
import yaml
from django.core.exceptions import ValidationError

from governance.audit.actors import Actor
from governance.model_cards import exports, services
from tests.factories import filled_content, make_asset, make_final_card, make_version


@pytest.fixture
def card(people):
    version = make_version(make_asset(people.owner, people.retail, tags=["lending"]))
    content = filled_content
    card = make_final_card(version)
    services.revise_section(
        actor=Actor.for_user(people.owner),
        document=card,
        key="intended_use",
        value="## Primary uses\n\nCredit | scoring with a pipe.\n\n- one\n- two",
    )
    services.revise_section(
        actor=Actor.for_user(people.owner),
        document=card,
        key="metrics",
        value=[["AUC", "0.81", "0.5", "bootstrap | 95%"], ["KS", "0.4", "", ""]],
    )
    card.refresh_from_db()
    assert content  # the factory helper is importable for the other tests
    return card


def test_json_round_trip(card):
    data = exports.export_json(card, card.current_revision)
    assert data["format"] == "steward-document" and data["sha256"] == card.current_revision.sha256
    assert data["sections"][0]["key"] == "model_details"
    assert exports.import_json(card, data) == card.current_revision.content
    assert exports.import_json(card, {"sections": {"factors": "x"}}) == {"factors": "x"}


def test_markdown_round_trip_with_front_matter(card):
    text = exports.export_markdown(card, card.current_revision)
    front = yaml.safe_load(text.split("---\n")[1])
    assert front["tags"] == ["lending"] and front["steward"]["kind"] == "model_card"
    assert front["license"] == "License value"
    assert (
        "## Intended use" in text and "| Metric | Value | Decision threshold | Variation approach |" in text
    )
    content = exports.import_markdown(card, text)
    assert content == card.current_revision.content


def test_importing_makes_a_new_revision(people, card):
    text = exports.export_markdown(card, card.current_revision).replace(
        "Text of the section “Factors”.", "Age."
    )
    revision = services.save_revision(
        actor=Actor.for_user(people.owner),
        document=card,
        content=exports.import_markdown(card, text),
        source="import_markdown",
    )
    assert revision.content["factors"] == "Age." and revision.source == "import_markdown"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("---\nsteward: [unclosed\n---\n## Factors\nx", "not valid YAML"),
        ("---\nsteward:\n  kind: validation_report\n---\n## Factors\nx", "export of a validation report"),
        ("Some intro text\n## Factors\nx", "Text outside any known section"),
        ("nothing here", "Text outside any known section"),
        ("## Metrics\n| a | b |\n| --- | --- |\n| 1 | 2 |", "row 1 has 2 cells"),
        ("## Model details\n- **Favourite colour:** red", "no field"),
        ("## Factors\nx\n## Factors\ny", "appears twice"),
    ],
)
def test_bad_markdown_is_refused_naming_the_problem(card, text, message):
    with pytest.raises(ValidationError, match=message):
        exports.import_markdown(card, text)


def test_bad_json_is_refused(card):
    with pytest.raises(ValidationError, match="steward-document"):
        exports.import_json(card, {"format": "other", "sections": {}})
    with pytest.raises(ValidationError, match="no sections"):
        exports.import_json(card, {"kind": "model_card"})
    with pytest.raises(ValidationError, match="datasheet"):
        exports.import_json(card, {"kind": "datasheet", "sections": {}})
