"""The deployment gate: verdicts with reasons, lookup by registry or Steward id, at most two queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from governance.audit.actors import Actor
from governance.integrations import gate
from governance.inventory.models import AssetVersion
from governance.oversight.findings import raise_finding
from lifecycle.models import ApprovalRequest, Waiver
from tests.factories import activate, make_asset, make_version, walk_version_to


@pytest.fixture
def version(people) -> AssetVersion:
    asset = make_asset(people.owner, people.retail)
    activate(asset, people.approver)
    return make_version(asset)


def ask(client, **params):
    response = client.get("/api/v1/gate/", params)
    return response.status_code, response.json()


def codes(body) -> list[str]:
    return [r["code"] for r in body["reasons"]]


def test_a_registered_version_is_blocked_by_its_stage(people, api_for, version):
    status, body = ask(api_for(people.owner, "read"), version_id=version.pk)
    assert status == 200 and body["allowed"] is False and body["verdict"] == "blocked"
    assert codes(body) == ["stage"] and "registered" in body["reasons"][0]["message"]


def test_approved_and_deployed_versions_are_allowed(people, api_for, version):
    walk_version_to(version, "approved", people)
    status, body = ask(api_for(people.owner, "integration"), version_id=version.pk)
    assert (
        status == 200 and body["allowed"] is True and body["verdict"] == "allowed" and body["reasons"] == []
    )
    walk_version_to(version, "deployed", people)
    assert ask(api_for(people.owner, "read"), version_id=version.pk)[1]["allowed"] is True


def test_open_high_findings_block_and_are_named(people, api_for, version):
    walk_version_to(version, "approved", people)
    raise_finding(
        actor=Actor.for_user(people.validator), asset=version.asset, title="Leaky feature", severity="high"
    )
    raise_finding(
        actor=Actor.for_user(people.validator),
        asset=version.asset,
        version=version,
        title="Minor",
        severity="low",
    )
    _, body = ask(api_for(people.owner), version_id=version.pk)
    assert codes(body) == ["open_finding"] and "Leaky feature" in body["reasons"][0]["message"]


def test_an_overdue_review_blocks(people, api_for, version):
    walk_version_to(version, "deployed", people)
    AssetVersion.objects.filter(pk=version.pk).update(next_review_at=timezone.now() - timedelta(days=1))
    _, body = ask(api_for(people.owner), version_id=version.pk)
    assert codes(body) == ["review_overdue"]


def test_an_expired_approval_blocks_deployment(people, api_for, version):
    walk_version_to(version, "approved", people)
    request = ApprovalRequest.objects.get(version=version, status="approved")
    validity = request.policy.approval_validity_days
    ApprovalRequest.objects.filter(pk=request.pk).update(
        closed_at=timezone.now() - timedelta(days=validity + 1)
    )
    _, body = ask(api_for(people.owner), version_id=version.pk)
    assert codes(body) == ["approval_expired"]


def test_an_expired_waiver_blocks_until_renewed_or_revoked(people, api_for, version):
    walk_version_to(version, "approved", people)
    now = timezone.now()
    waiver = Waiver.objects.create(
        gate="bias_review",
        asset=version.asset,
        version=version,
        justification="Agreed with the committee",
        granted_by=people.approver,
        granted_by_name="alice",
        granted_at=now - timedelta(days=10),
        expires_at=now - timedelta(days=1),
    )
    _, body = ask(api_for(people.owner), version_id=version.pk)
    assert codes(body) == ["waiver_expired"] and f"#{waiver.pk}" in body["reasons"][0]["message"]
    Waiver.objects.create(
        gate="bias_review",
        asset=version.asset,
        version=version,
        justification="Renewed",
        granted_by=people.approver,
        granted_by_name="alice",
        granted_at=now,
        expires_at=now + timedelta(days=30),
    )
    assert ask(api_for(people.owner), version_id=version.pk)[1]["allowed"] is True


def test_several_reasons_are_all_given(people, api_for):
    asset = make_asset(people.owner, people.retail)  # still proposed
    version = make_version(asset)
    raise_finding(
        actor=Actor.for_user(people.validator), asset=asset, title="Critical gap", severity="critical"
    )
    _, body = ask(api_for(people.owner), version_id=version.pk)
    assert codes(body) == ["stage", "asset_stage", "open_finding"]


def test_lookup_by_registry_connection_model_and_version(
    people, hook, api_for, django_capture_on_commit_callbacks
):
    hook.registry.create_version("fraud-detector")
    with django_capture_on_commit_callbacks(execute=True):
        hook.send("model_version.created", {"name": "fraud-detector", "version": "1", "tags": {}})
    version = AssetVersion.objects.get()
    client = api_for(people.owner, "integration")
    status, body = ask(client, connection=hook.connection.pk, model="fraud-detector", version="1")
    assert status == 200 and body["version"]["id"] == version.pk and codes(body) == ["stage", "asset_stage"]
    assert ask(client, connection=hook.connection.pk, model="fraud-detector", version="9")[0] == 404


def test_invisible_versions_are_404_and_bad_queries_400(people, api_for, version):
    assert ask(api_for(people.outsider), version_id=version.pk)[0] == 404
    assert ask(api_for(people.owner))[0] == 400
    assert ask(api_for(people.owner), version_id=version.pk, model="x")[0] == 400
    assert ask(api_for(people.owner), connection=1, model="x")[0] == 400
    assert ask(api_for(people.owner), version_id="abc")[0] == 400


def test_the_gate_answers_in_at_most_two_queries(people, version, django_assert_max_num_queries):
    walk_version_to(version, "approved", people)
    raise_finding(
        actor=Actor.for_user(people.validator), asset=version.asset, title="Blocking", severity="high"
    )
    now = timezone.now()
    Waiver.objects.create(
        gate="bias_review",
        asset=version.asset,
        justification="x",
        granted_by=people.approver,
        granted_by_name="alice",
        granted_at=now - timedelta(days=3),
        expires_at=now - timedelta(days=1),
    )
    with django_assert_max_num_queries(2):
        found = gate.find(version_id=version.pk)
        verdict = gate.evaluate(found)
    assert [r.code for r in verdict.reasons] == ["open_finding", "waiver_expired"]
    clean = make_version(make_asset(people.owner2, people.retail))
    with django_assert_max_num_queries(1):  # nothing blocking by records: one query
        verdict = gate.evaluate(gate.find(version_id=clean.pk))
    assert [r.code for r in verdict.reasons] == ["stage", "asset_stage"]
