"""The UI door to transition(): success redirects; 400/403/404/409 re-render with nothing written."""

from __future__ import annotations

import pytest
from django.urls import reverse

from governance.audit.actors import Actor
from governance.audit.models import AuditEvent
from lifecycle.models import StageTransition
from lifecycle.transitions import transition
from tests.factories import activate, make_asset, make_version, walk_version_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(people):
    return make_version(make_asset(people.owner, people.retail, name="Credit PD model"), label="1.0")


def transition_url(obj, kind="version"):
    return reverse("lifecycle:transition", args=[kind, obj.pk])


class Unchanged:
    """Snapshot of what a refused transition must leave alone: the stage, transition rows, audit events."""

    def __init__(self, obj):
        self.obj = obj
        self.stage = obj.stage
        self.steps = StageTransition.objects.count()
        self.events = AuditEvent.objects.count()

    def holds(self) -> bool:
        self.obj.refresh_from_db()
        return (
            self.obj.stage == self.stage
            and StageTransition.objects.count() == self.steps
            and AuditEvent.objects.count() == self.events
        )


def ready_to_submit(version, people):
    """A registered version whose submission gates are met: the factories satisfy them on the way to
    "submitted" (whatever later features require), and withdrawing keeps them satisfied."""
    walk_version_to(version, "submitted", people)
    transition(version, "registered", actor=Actor.for_user(people.owner), reason="Withdrawn to resubmit")
    return version


def test_an_owner_submits_a_version_and_is_redirected_with_a_message(web_for, people, version):
    ready_to_submit(version, people)
    client = web_for(people.owner)
    response = client.post(transition_url(version), {"to": "submitted", "expected_from": "registered"})
    assert response.status_code == 302 and response.url == version.get_absolute_url()
    version.refresh_from_db()
    assert version.stage == "submitted"
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.action == "lifecycle.stage_changed" and event.actor_name == people.owner.username
    page = client.get(response.url)
    assert "is now Submitted" in page.text
    assert 'class="badge badge--submitted">Submitted<' in page.text


def test_an_independent_validator_claims_a_submitted_version(web_for, people, version):
    walk_version_to(version, "submitted", people)
    response = web_for(people.validator).post(
        transition_url(version), {"to": "in_validation", "expected_from": "submitted"}
    )
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.stage == "in_validation" and version.validator == people.validator


def test_a_reason_is_recorded_with_the_move(web_for, people, version):
    response = web_for(people.owner).post(
        transition_url(version),
        {"to": "retired", "reason": "Superseded by 2.0", "expected_from": "registered"},
    )
    assert response.status_code == 302
    assert StageTransition.objects.get(version=version).reason == "Superseded by 2.0"


def test_a_user_without_the_role_gets_403_and_nothing_is_written(web_for, people, version):
    walk_version_to(version, "submitted", people)
    before = Unchanged(version)
    response = web_for(people.compliance).post(transition_url(version), {"to": "in_validation"})
    assert response.status_code == 403
    assert "Only a validator may claim for validation." in response.text
    assert before.holds()


def test_a_stale_page_gets_409_someone_moved_it_first(web_for, people, version):
    walk_version_to(version, "submitted", people)
    before = Unchanged(version)
    # The owner's page still showed "registered" and offered "Retire".
    response = web_for(people.owner).post(
        transition_url(version), {"to": "retired", "reason": "Old", "expected_from": "registered"}
    )
    assert response.status_code == 409
    assert "someone moved it first" in response.text
    # The page is shown as it is now, with the moves possible from the current stage.
    assert 'class="badge badge--submitted">Submitted<' in response.text
    assert "Withdraw submission" in response.text
    assert before.holds()


def test_an_edge_the_table_does_not_have_gets_409(web_for, people, version):
    before = Unchanged(version)
    response = web_for(people.owner).post(transition_url(version), {"to": "deployed"})
    assert response.status_code == 409
    assert "cannot go from Registered to Deployed" in response.text
    assert before.holds()


def test_unmet_gates_get_409_with_every_reason(web_for, people, version):
    walk_version_to(version, "validated", people)
    before = Unchanged(version)
    response = web_for(people.team_approver).post(transition_url(version), {"to": "rejected", "reason": "No"})
    assert response.status_code == 409
    assert "Approvers must not belong to the team that owns the asset." in response.text
    assert before.holds()


def test_a_missing_reason_gets_400_and_the_form_opens_again(web_for, people, version):
    before = Unchanged(version)
    response = web_for(people.owner).post(transition_url(version), {"to": "retired", "reason": "  "})
    assert response.status_code == 400
    assert "needs a reason" in response.text
    assert "<details open>" in response.text
    assert before.holds()


def test_bad_input_gets_400(web_for, people, version):
    client = web_for(people.owner)
    before = Unchanged(version)
    unknown = client.post(transition_url(version), {"to": "launched"})
    assert unknown.status_code == 400 and "is not a version stage" in unknown.text
    missing = client.post(transition_url(version), {"reason": "why not"})
    assert missing.status_code == 400 and "The request was incomplete." in missing.text
    assert before.holds()


def test_the_typed_reason_is_kept_when_the_move_fails(web_for, people, version):
    walk_version_to(version, "validated", people)
    # Refused for this viewer, so no reason form is shown again: the reason is echoed with the error.
    refused = web_for(people.team_approver).post(
        transition_url(version),
        {"to": "rejected", "reason": "Calibration drifts", "expected_from": "validated"},
    )
    assert refused.status_code == 409
    assert "The reason you gave: <q>Calibration drifts</q>" in refused.text


def test_a_reason_form_that_is_still_offered_reopens_with_the_typed_reason(web_for, people, version):
    # A reason longer than the form allows is bad input; the "Retire" form reopens with the text.
    long_reason = "x" * 4001
    response = web_for(people.owner).post(transition_url(version), {"to": "retired", "reason": long_reason})
    assert response.status_code == 400
    assert "<details open>" in response.text
    assert f">{long_reason}</textarea>" in response.text


def test_objects_the_viewer_may_not_see_answer_404(web_for, people, version):
    before = Unchanged(version)
    client = web_for(people.outsider)
    assert client.post(transition_url(version), {"to": "submitted"}).status_code == 404
    assert (
        client.post(reverse("lifecycle:transition", args=["widget", version.pk]), {"to": "x"}).status_code
        == 404
    )
    assert before.holds()


def test_only_post_is_accepted(web_for, people, version):
    assert web_for(people.owner).get(transition_url(version)).status_code == 405


def test_asset_moves_go_through_the_same_door(web_for, people, version):
    asset = activate(version.asset, people.approver)
    response = web_for(people.owner2).post(
        transition_url(asset, "asset"), {"to": "retired", "reason": "Replaced", "expected_from": "active"}
    )
    assert response.status_code == 302 and response.url == asset.get_absolute_url()
    asset.refresh_from_db()
    assert asset.stage == "retired"
    assert (
        StageTransition.objects.filter(asset=asset, kind="asset", target="retired").get().reason == "Replaced"
    )


def test_the_csrf_token_is_required(client, people, version):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(people.owner)
    before = Unchanged(version)
    assert strict.post(transition_url(version), {"to": "submitted"}).status_code == 403
    assert before.holds()
