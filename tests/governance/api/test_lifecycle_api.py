"""Transitions command, history and point-in-time through the API; errors map to 400/403/404/409."""

from datetime import timedelta

import pytest

from governance.audit.models import AuditEvent
from lifecycle.models import StageTransition
from tests.factories import activate, make_asset, make_final_card, make_version


@pytest.fixture
def version(people):
    version = make_version(make_asset(people.owner, people.retail))
    make_final_card(version)  # the submission gate asks for a final, complete model card
    return version


def _counts():
    return AuditEvent.objects.count(), StageTransition.objects.count()


def test_owner_submits_through_the_api(people, api_for, version):
    response = api_for(people.owner).post(
        f"/api/v1/versions/{version.pk}/transitions/", {"to": "submitted"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["stage"] == "submitted"
    history = api_for(people.owner).get(f"/api/v1/versions/{version.pk}/transitions/").json()["results"]
    assert [(h["source"], h["target"]) for h in history] == [("registered", "submitted")]


@pytest.mark.parametrize(
    ("who", "body", "status", "code"),
    [
        ("owner", {"to": "flying"}, 400, "unknown_stage"),
        ("owner", {"to": "deployed"}, 409, "transition_not_allowed"),
        ("validator", {"to": "submitted"}, 404, None),  # the validator may not see a registered version
        ("owner", {"to": "retired"}, 400, "reason_required"),
        ("owner", {"to": "submitted", "expected_from": "approved"}, 409, "stale_stage"),
        ("owner", {}, 400, "invalid"),
    ],
)
def test_refused_transitions_write_nothing(people, api_for, version, who, body, status, code):
    client = api_for(getattr(people, who))
    before = _counts()
    response = client.post(f"/api/v1/versions/{version.pk}/transitions/", body, format="json")
    assert response.status_code == status
    if code:
        assert response.json()["code"] == code and response.json()["detail"]
    assert _counts() == before
    version.refresh_from_db()
    assert version.stage == "registered"


def test_a_user_without_the_role_gets_403_with_the_reason(people, api_for, version):
    api_for(people.owner).post(
        f"/api/v1/versions/{version.pk}/transitions/", {"to": "submitted"}, format="json"
    )
    client = api_for(people.approver)
    before = _counts()
    response = client.post(
        f"/api/v1/versions/{version.pk}/transitions/", {"to": "in_validation"}, format="json"
    )
    assert response.status_code == 403
    assert "validator" in response.json()["reasons"][0]
    assert _counts() == before


def test_unmet_gates_are_409_with_every_reason(people, api_for, version):
    api_for(people.owner).post(
        f"/api/v1/versions/{version.pk}/transitions/", {"to": "submitted"}, format="json"
    )
    people.validator.teams.add(people.retail)
    response = api_for(people.validator).post(
        f"/api/v1/versions/{version.pk}/transitions/", {"to": "in_validation"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "gates_not_met"
    assert any("team that owns" in r for r in response.json()["reasons"])


def test_integration_tokens_take_only_registry_edges(people, api_for, version):
    response = api_for(people.owner, scope="integration").post(
        f"/api/v1/versions/{version.pk}/transitions/", {"to": "submitted"}, format="json"
    )
    assert response.status_code == 403
    assert "Integration tokens" in response.json()["reasons"][0]


def test_available_transitions_and_stage_at(people, api_for, version):
    client = api_for(people.owner)
    options = client.get(f"/api/v1/versions/{version.pk}/transitions/available/").json()
    assert {o["to"] for o in options} == {"submitted", "retired"}
    client.post(f"/api/v1/versions/{version.pk}/transitions/", {"to": "submitted"}, format="json")
    step = StageTransition.objects.get()
    before = (step.at - timedelta(microseconds=1)).isoformat()
    assert (
        client.get(f"/api/v1/versions/{version.pk}/stage-at/", {"at": before}).json()["stage"] == "registered"
    )
    assert (
        client.get(f"/api/v1/versions/{version.pk}/stage-at/", {"at": step.at.isoformat()}).json()["stage"]
        == "submitted"
    )
    early = (version.created_at - timedelta(days=1)).isoformat()
    assert client.get(f"/api/v1/versions/{version.pk}/stage-at/", {"at": early}).json()["stage"] is None
    assert client.get(f"/api/v1/versions/{version.pk}/stage-at/", {"at": "yesterday"}).status_code == 400


def test_asset_transitions_by_slug(people, api_for):
    asset = make_asset(people.owner, people.retail)
    # Approving a proposal is the quorum's: only a quorate approval request takes that edge.
    response = api_for(people.approver).post(
        f"/api/v1/assets/{asset.slug}/transitions/", {"to": "active"}, format="json"
    )
    assert response.status_code == 403
    assert "approval request" in response.json()["reasons"][0]
    activate(asset, people.approver)
    response = api_for(people.owner).post(
        f"/api/v1/assets/{asset.slug}/transitions/", {"to": "retired", "reason": "Not needed."}, format="json"
    )
    assert response.status_code == 201 and response.json()["stage"] == "retired"
