"""Integration tokens take only the registry and monitoring edges (DESIGN §3), end to end over HTTP."""

from __future__ import annotations

import pytest

from tests.factories import activate, make_asset, make_version, walk_version_to


def move(client, version, to, reason=""):
    return client.post(
        f"/api/v1/versions/{version.pk}/transitions/", {"to": to, "reason": reason}, format="json"
    )


@pytest.fixture
def approved(people):
    asset = make_asset(people.owner, people.retail)
    activate(asset, people.approver)
    return walk_version_to(make_version(asset), "approved", people)


def test_an_integration_token_deploys_suspends_and_deprecates(people, api_for, approved):
    robot = api_for(people.owner, "integration")
    assert move(robot, approved, "deployed").status_code == 201
    assert move(robot, approved, "suspended", "monitoring breach").status_code == 201
    approved.refresh_from_db()
    assert approved.stage == "suspended"
    step = approved.transitions.latest("at")
    assert step.actor_kind == "token"


def test_an_integration_token_never_approves_or_takes_human_edges(people, api_for):
    asset = make_asset(people.owner, people.retail)
    version = make_version(asset)
    robot = api_for(people.approver, "integration")  # even an approver's integration token
    for stage in ("submitted", "retired"):
        response = move(robot, version, stage, "x")
        assert response.status_code == 403 and "Integration tokens" in response.json()["detail"], stage
    walk_version_to(version, "validated", people)
    response = move(robot, version, "approved")
    assert response.status_code == 403
    response = robot.post(f"/api/v1/assets/{asset.slug}/transitions/", {"to": "active"}, format="json")
    assert response.status_code == 403
    version.refresh_from_db()
    assert version.stage == "validated"


def test_read_tokens_change_nothing(people, api_for, approved):
    assert move(api_for(people.owner, "read"), approved, "deployed").status_code == 403


def test_integration_tokens_may_not_call_human_only_endpoints(people, api_for):
    robot = api_for(people.admin, "integration")
    body = {
        "name": "x",
        "kind": "generic",
        "team": "retail-credit",
        "default_owner": "olivia",
        "service_user": "olivia",
    }
    assert robot.post("/api/v1/integrations/connections/", body, format="json").status_code == 403
    assert robot.get("/api/v1/gate/", {"version_id": 1}).status_code in {200, 404}  # reading is fine
