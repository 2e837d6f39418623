"""Documents and revisions: completeness, finality, immutability, permissions, copying, audit."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.utils import DatabaseError

from governance.audit.actors import Actor
from governance.audit.models import AuditEvent
from governance.inventory.errors import FrozenError
from governance.model_cards import services
from governance.model_cards.errors import DocumentConflict, StaleRevision
from governance.model_cards.models import Document, Revision
from tests.factories import filled_content, make_asset, make_final_card, make_version, walk_version_to


@pytest.fixture
def version(people):
    return make_version(make_asset(people.owner, people.retail))


@pytest.fixture
def card(people, version):
    return services.create_document(
        actor=Actor.for_user(people.owner), asset=version.asset, version=version, kind="model_card"
    )


def save(people, card, content, user=None, **kw):
    return services.save_revision(
        actor=Actor.for_user(user or people.owner), document=card, content=content, **kw
    )


def test_seeded_templates_have_their_published_sections(db):
    from governance.model_cards.models import DocumentTemplate

    card = DocumentTemplate.objects.get(slug="model-card").current_version
    assert [s["title"] for s in card.sections] == [
        "Model details",
        "Intended use",
        "Factors",
        "Metrics",
        "Evaluation data",
        "Training data",
        "Quantitative analyses",
        "Ethical considerations",
        "Caveats and recommendations",
    ]
    annex = DocumentTemplate.objects.get(slug="eu-ai-act-annex-iv").current_version
    assert len(annex.sections) == 9 and annex.sections[4]["title"] == "Risk management system"
    assert {t.kind for t in DocumentTemplate.objects.all()} >= {"validation_report", "datasheet"}


def test_a_document_is_complete_only_when_every_required_section_has_content(people, card):
    content = filled_content(card)
    del content["factors"]
    content["metrics"] = [["", "", "", ""]]  # an empty row is no content
    content["model_details"] = {"developer": "Retail credit"}  # required fields missing
    revision = save(people, card, content)
    assert not revision.is_complete
    assert revision.missing == ["Model details", "Factors", "Metrics"]
    complete = save(people, card, filled_content(card))
    assert complete.is_complete and complete.missing == []
    # Optional fields of a fields-section may stay empty.
    content = filled_content(card)
    content["model_details"].pop("license")
    assert save(people, card, content).is_complete


def test_every_save_is_a_new_revision_with_author_time_and_hash(people, card):
    first = save(people, card, filled_content(card), summary="First draft")
    second = save(people, card, filled_content(card) | {"factors": "Age and region."}, user=people.owner2)
    assert (first.number, second.number) == (1, 2)
    assert second.author == people.owner2 and second.author_name == "omar"
    assert len(second.sha256) == 64 and second.sha256 != first.sha256
    card.refresh_from_db()
    assert card.current_revision == second
    # Saving the same content again writes nothing.
    assert save(people, card, dict(second.content)) == second
    assert Revision.objects.filter(document=card).count() == 2
    events = AuditEvent.objects.filter(action="document.revised", object_id=str(card.pk)).order_by("seq")
    assert [e.payload["revision"] for e in events] == [1, 2]
    assert events.last().payload["changed_sections"] == ["factors"]


def test_the_hash_is_sha256_of_the_canonical_content(people, card):
    import hashlib

    import rfc8785

    revision = save(people, card, filled_content(card))
    body = {"template": "model-card", "template_version": 1, "content": revision.content}
    assert revision.sha256 == hashlib.sha256(rfc8785.dumps(body)).hexdigest()


def test_only_the_author_marks_a_complete_revision_final_and_a_new_revision_clears_it(people, card):
    incomplete = save(people, card, {"factors": "x"})
    with pytest.raises(DocumentConflict) as caught:
        services.mark_final(actor=Actor.for_user(people.owner), document=card)
    assert "Required section without content: Model details." in caught.value.reasons
    revision = save(people, card, filled_content(card))
    with pytest.raises(PermissionDenied, match="Only the author of revision 2"):
        services.mark_final(actor=Actor.for_user(people.owner2), document=card)
    with pytest.raises(StaleRevision):
        services.mark_final(
            actor=Actor.for_user(people.owner), document=card, expected_revision=incomplete.number
        )
    services.mark_final(actor=Actor.for_user(people.owner), document=card, expected_revision=revision.number)
    card.refresh_from_db()
    assert card.is_final and card.final_revision == revision and card.finalised_by == people.owner
    assert AuditEvent.objects.filter(action="document.finalised", object_id=str(card.pk)).count() == 1

    save(people, card, filled_content(card) | {"factors": "Changed after finalising."}, user=people.owner2)
    card.refresh_from_db()
    assert not card.is_final and card.final_revision is None
    last = (
        AuditEvent.objects.filter(action="document.revised", object_id=str(card.pk)).order_by("-seq").first()
    )
    assert last.payload["finality_cleared"] is True


def test_the_database_refuses_a_final_revision_that_is_not_current(people, card):
    old = save(people, card, filled_content(card))
    save(people, card, filled_content(card) | {"factors": "new"})
    card.refresh_from_db()
    card.final_revision = old
    with pytest.raises(DatabaseError), transaction.atomic():
        card.save()


def test_revisions_are_immutable_in_the_orm_and_in_the_database(people, card):
    revision = save(people, card, filled_content(card))
    revision.summary = "rewritten history"
    with pytest.raises(ValueError, match="immutable"):
        revision.save()
    with pytest.raises(ValueError, match="immutable"):
        Revision.objects.filter(pk=revision.pk).update(summary="bulk")
    with pytest.raises(ValueError, match="never deleted"):
        revision.delete()
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE model_cards_revision SET content = '{}' WHERE id = %s", [revision.pk])
    with pytest.raises(DatabaseError, match="immutable"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM model_cards_revision WHERE id = %s", [revision.pk])
    revision.refresh_from_db()
    assert revision.summary == ""


def test_bad_content_is_refused_with_the_section_named_and_nothing_written(people, card):
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        save(people, card, {"metrics": "not a table", "nonsense": "x", "model_details": {"colour": "red"}})
    errors = caught.value.message_dict
    assert "Metrics" in errors["metrics"][0] and "nonsense" in errors["sections"][0]
    assert "colour" in errors["model_details"][0]
    assert not Revision.objects.exists() and AuditEvent.objects.count() == before


def test_stale_editor_is_refused(people, card):
    save(people, card, filled_content(card))
    with pytest.raises(StaleRevision) as caught:
        services.revise_section(
            actor=Actor.for_user(people.owner2), document=card, key="factors", value="x", expected_revision=0
        )
    assert caught.value.http_status == 409


def test_who_may_write_which_document(people, version):
    owner, validator = Actor.for_user(people.owner), Actor.for_user(people.validator)
    for outsider in (people.outsider, people.validator, people.approver, people.compliance):
        with pytest.raises(PermissionDenied):
            services.create_document(
                actor=Actor.for_user(outsider), asset=version.asset, version=version, kind="model_card"
            )
    with pytest.raises(PermissionDenied, match="claimed"):
        services.create_document(
            actor=validator, asset=version.asset, version=version, kind="validation_report"
        )
    with pytest.raises(PermissionDenied):
        services.create_document(actor=owner, asset=version.asset, version=version, kind="validation_report")
    walk_version_to(version, "in_validation", people)
    report = services.create_document(
        actor=validator, asset=version.asset, version=version, kind="validation_report"
    )
    assert report.kind == "validation_report"
    with pytest.raises(ValidationError, match="already has"):
        services.create_document(
            actor=validator, asset=version.asset, version=version, kind="validation_report"
        )


def test_documents_of_an_approved_version_are_read_only(people, version):
    walk_version_to(version, "approved", people)
    card = Document.objects.get(version=version, kind="model_card")
    with pytest.raises(FrozenError):
        services.save_revision(
            actor=Actor.for_user(people.owner), document=card, content=filled_content(card)
        )


def test_a_new_version_can_start_from_the_previous_versions_card(people, version):
    old_card = make_final_card(version, factors="Carried over.")
    newer = make_version(version.asset)
    card = services.start_from_previous(actor=Actor.for_user(people.owner2), version=newer)
    revision = card.current_revision
    assert revision.content == old_card.current_revision.content
    assert revision.based_on == old_card.current_revision and revision.source == "copy"
    assert not card.is_final  # the copy is a draft until its author marks it final
    with pytest.raises(ValidationError, match="No earlier version"):
        services.start_from_previous(actor=Actor.for_user(people.owner), version=version)
