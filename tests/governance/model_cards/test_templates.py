"""Templates: administrators edit them; each edit is a new audited version; documents follow at their next revision."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from governance.audit.actors import Actor
from governance.audit.models import AuditEvent
from governance.model_cards import services
from governance.model_cards.models import DocumentTemplate, TemplateVersion
from tests.factories import filled_content, make_asset, make_final_card, make_version

SECTIONS = [
    {"key": "purpose", "title": "Purpose", "kind": "markdown", "required": True, "guidance": "Why."},
    {"key": "evals", "title": "Evaluations", "kind": "table", "columns": ["Benchmark", "Score"]},
]


def test_only_admins_create_and_edit_templates(people):
    for user in (people.owner, people.validator, people.compliance):
        with pytest.raises(PermissionDenied):
            services.create_template(
                actor=Actor.for_user(user), slug="llm", kind="model_card", name="LLM", sections=SECTIONS
            )
    template = services.create_template(
        actor=Actor.for_user(people.admin), slug="llm", kind="model_card", name="LLM card", sections=SECTIONS
    )
    assert template.current_version.number == 1
    event = AuditEvent.objects.get(action="document.template_created", object_id=str(template.pk))
    assert event.payload["new"]["sections"] == ["purpose", "evals"]


def test_an_edit_writes_the_next_version_and_keeps_the_old_one(people):
    admin = Actor.for_user(people.admin)
    template = DocumentTemplate.objects.get(slug="model-card")
    sections = [
        *template.current_version.sections,
        {"key": "energy", "title": "Energy use", "required": True},
    ]
    services.update_template(actor=admin, template=template, sections=sections)
    template.refresh_from_db()
    assert template.current_version.number == 2
    assert TemplateVersion.objects.filter(template=template).count() == 2
    event = AuditEvent.objects.filter(action="document.template_updated").get()
    assert event.payload["old"]["version"] == 1 and event.payload["new"]["version"] == 2
    assert len(event.payload["new"]["sections"]) == 10
    # Nothing changed: no new version, no event.
    services.update_template(actor=admin, template=template, sections=sections)
    assert TemplateVersion.objects.filter(template=template).count() == 2


def test_documents_keep_their_version_until_their_next_revision(people):
    version = make_version(make_asset(people.owner, people.retail))
    card = make_final_card(version)
    template = DocumentTemplate.objects.get(slug="model-card")
    sections = [
        *template.current_version.sections,
        {"key": "energy", "title": "Energy use", "required": True},
    ]
    services.update_template(actor=Actor.for_user(people.admin), template=template, sections=sections)
    card.refresh_from_db()
    assert card.is_final and card.is_complete and card.current_revision.template_version.number == 1
    revision = services.revise_section(
        actor=Actor.for_user(people.owner), document=card, key="factors", value="New"
    )
    assert revision.template_version.number == 2 and revision.missing == ["Energy use"]
    assert set(filled_content(card)) >= {"energy"}


@pytest.mark.parametrize(
    ("sections", "message"),
    [
        ([], "at least one section"),
        ([{"key": "Bad Key", "title": "x"}], "lower-case"),
        ([{"key": "a", "title": "A"}, {"key": "a", "title": "B"}], "repeated: a"),
        ([{"key": "a", "title": "A", "kind": "table"}], "column names"),
        ([{"key": "a", "title": "A", "kind": "fields", "fields": []}], "1 to 30 fields"),
        ([{"key": "a", "title": "A", "kind": "chart"}], "kind must be one of"),
        ([{"key": "a", "title": "A", "colour": "red"}], "unknown attributes"),
    ],
)
def test_bad_sections_are_refused(people, sections, message):
    with pytest.raises(ValidationError, match=message):
        services.create_template(
            actor=Actor.for_user(people.admin), slug="x", kind="datasheet", name="X", sections=sections
        )
    assert not DocumentTemplate.objects.filter(slug="x").exists()
