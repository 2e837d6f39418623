"""The approvals API: decisions with fresh signing tokens, every refusal mapped (400/403/404/409) with
nothing written, dry run, waivers and policies; list endpoints carry query-count limits."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from governance.audit.models import AuditEvent
from lifecycle.approvals.queries import open_request
from lifecycle.models import ApprovalPolicy, Decision, Waiver
from tests.conftest import PASSWORD


def token_for(client, password=PASSWORD):
    response = client.post("/api/v1/signing-tokens/", {"password": password}, format="json")
    return response


def decide_api(client, request, meaning="approve", *, token=None, **body):
    token = token or token_for(client).json()["signing_token"]
    payload = {"meaning": meaning, "digest_seen": request.digest, "signing_token": token, **body}
    return client.post(f"/api/v1/approval-requests/{request.pk}/decisions/", payload, format="json")


def written():
    return AuditEvent.objects.count(), Decision.objects.count()


def test_approving_through_the_api(people, api_for, validated):
    request = open_request(validated)
    first = decide_api(api_for(people.approver), request)
    assert first.status_code == 201, first.json()
    assert first.json()["request_status"] == "open" and first.json()["stage"] == "validated"
    assert first.json()["decision"]["signature_method"] == "signing_token"
    second = decide_api(api_for(people.approver2), request, comment="Looks sound.")
    assert second.status_code == 201
    assert (second.json()["request_status"], second.json()["stage"]) == ("approved", "approved")
    detail = api_for(people.compliance).get(f"/api/v1/approval-requests/{request.pk}/").json()
    assert [d["approver_name"] for d in detail["decisions"]] == ["alice", "amir"]
    assert detail["policy"] == "high-risk" and detail["digest"] == request.digest


@pytest.mark.parametrize("who", ["owner", "owner2", "team_approver", "validator"])
def test_separation_of_duties_through_the_api(people, api_for, validated, who):
    from governance.accounts import services as accounts
    from tests.conftest import SYSTEM

    user = getattr(people, who)
    accounts.grant_role(actor=SYSTEM, user=user, role="approver")
    client = api_for(user)
    request = open_request(validated)
    token = token_for(client).json()["signing_token"]
    before = written()
    response = decide_api(client, request, token=token)
    assert response.status_code == 403 and response.json()["code"] == "not_eligible"
    assert response.json()["reasons"]
    assert written() == before


def test_signature_refusals(people, api_for, validated):
    client = api_for(people.approver)
    other_client = api_for(people.approver2)
    request = open_request(validated)
    before = written()
    wrong = token_for(client, "not my password")
    assert wrong.status_code == 403 and wrong.json()["code"] == "signature_failed"
    forged = decide_api(client, request, token="sig_forged")
    assert forged.status_code == 403 and forged.json()["code"] == "signature_failed"
    other_users = token_for(other_client).json()["signing_token"]
    assert decide_api(client, request, token=other_users).status_code == 403  # bound to its user
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        stale_token = token_for(client).json()["signing_token"]
        traveller.shift(dt.timedelta(minutes=6))
        assert decide_api(client, request, token=stale_token).status_code == 403  # expired
    assert written() == before
    token = token_for(client).json()["signing_token"]
    assert decide_api(client, request, token=token).status_code == 201
    request2 = open_request(validated)
    assert decide_api(other_client, request2, token=token).status_code == 403  # used


def test_integration_and_read_tokens_may_never_decide(people, api_for, validated):
    request = open_request(validated)
    for scope in ("integration", "read"):
        client = api_for(people.approver, scope=scope)
        assert (
            client.post("/api/v1/signing-tokens/", {"password": PASSWORD}, format="json").status_code == 403
        )
        response = client.post(
            f"/api/v1/approval-requests/{request.pk}/decisions/",
            {"meaning": "approve", "digest_seen": request.digest, "signing_token": "sig_x"},
            format="json",
        )
        assert response.status_code == 403


def test_bad_input_is_400_and_writes_nothing(people, api_for, validated):
    client = api_for(people.approver)
    request = open_request(validated)
    before = written()
    missing = decide_api(client, request, "reject")
    assert missing.status_code == 400 and missing.json()["code"] == "invalid_decision"
    assert "needs a comment" in missing.json()["detail"]
    unknown = decide_api(client, request, "perhaps")
    assert unknown.status_code == 400 and "meaning" in unknown.json()["errors"]
    no_digest = client.post(
        f"/api/v1/approval-requests/{request.pk}/decisions/", {"meaning": "approve"}, format="json"
    )
    assert no_digest.status_code == 400
    past = decide_api(client, request, "approve_with_conditions", comment="c",
                      conditions=[{"title": "x", "due_date": "2000-01-01"}])  # fmt: skip
    assert past.status_code == 400
    assert written() == before


def test_deciding_twice_on_a_closed_or_stale_request_is_409(people, api_for, validated):
    from governance.audit.actors import Actor
    from governance.inventory import services as inventory

    request = open_request(validated)
    assert decide_api(api_for(people.approver), request).status_code == 201
    again = decide_api(api_for(people.approver), request)
    assert again.status_code == 409 and again.json()["code"] == "already_decided"
    inventory.update_version(actor=Actor.for_user(people.owner), version=validated, metrics={"gini": 0.6})
    stale = decide_api(api_for(people.approver2), request)
    assert stale.status_code == 409 and stale.json()["code"] == "stale_digest"
    closed = decide_api(api_for(people.approver3), request)
    assert closed.status_code == 409 and closed.json()["code"] == "request_closed"
    # The validator asks for approval again, pinned to the new material.
    response = api_for(people.validator).post(f"/api/v1/versions/{validated.pk}/request-approval/")
    assert response.status_code == 201 and response.json()["status"] == "open"
    assert api_for(people.owner).post(f"/api/v1/versions/{validated.pk}/request-approval/").status_code in {
        403,
        409,
    }


def test_requests_and_the_dry_run_follow_visibility(
    people, api_for, validated, django_assert_max_num_queries
):
    request = open_request(validated)
    assert api_for(people.outsider).get(f"/api/v1/approval-requests/{request.pk}/").status_code == 404
    assert api_for(people.outsider).get(f"/api/v1/versions/{validated.pk}/gates/").status_code == 404
    with django_assert_max_num_queries(15):
        listed = api_for(people.approver).get("/api/v1/approval-requests/?status=open").json()
    assert request.pk in [r["id"] for r in listed["results"]]
    run = api_for(people.approver).get(f"/api/v1/versions/{validated.pk}/gates/").json()
    assert run["policy"] == "high-risk" and run["request"] == request.pk and run["may_decide"]
    statuses = {c["key"]: c["status"] for c in run["checks"]}
    assert statuses["gate:no_open_high_findings"] == "pass" and statuses["seat:quorum"] == "pending"


def test_waivers_through_the_api(people, api_for, validated):
    client = api_for(people.approver)
    expires = (timezone.now() + dt.timedelta(days=7)).isoformat()
    body = {"gate": "bias_review", "asset": validated.asset.slug, "version": validated.pk,
            "justification": "Reviewed by hand.", "expires_at": expires}  # fmt: skip
    for bad in ({"justification": ""}, {"expires_at": None}, {"gate": "nope"}):
        response = client.post("/api/v1/waivers/", body | bad, format="json")
        assert response.status_code == 400, bad
    assert not Waiver.objects.exists()
    assert api_for(people.owner).post("/api/v1/waivers/", body, format="json").status_code == 403
    created = client.post("/api/v1/waivers/", body, format="json")
    assert created.status_code == 201 and created.json()["status"] == "valid"
    revoked = client.post(
        f"/api/v1/waivers/{created.json()['id']}/revoke/", {"reason": "Done."}, format="json"
    )
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"


def test_policies_are_read_by_all_and_written_by_admins(people, api_for, validated):
    listed = api_for(people.owner).get("/api/v1/policies/").json()
    assert {p["key"] for p in listed["results"]} == {"high-risk", "limited-risk", "minimal-risk"}
    high = api_for(people.owner).get("/api/v1/policies/high-risk/").json()
    assert high["review_interval_months"] == 12
    body = {k: high[k] for k in ("key", "name", "description", "ai_act_category", "materiality_tier",
                                 "approval_validity_days", "review_interval_months", "required_evidence",
                                 "bias_thresholds", "is_active", "rules")} | {"note": "Shorter reviews."}  # fmt: skip
    body["review_interval_months"] = 6
    assert api_for(people.approver).put("/api/v1/policies/high-risk/", body, format="json").status_code == 403
    response = api_for(people.admin).put("/api/v1/policies/high-risk/", body, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 2 and response.json()["review_interval_months"] == 6
    assert ApprovalPolicy.objects.filter(key="high-risk").count() == 2
    bad = api_for(people.admin).post(
        "/api/v1/policies/", body | {"key": "broken", "rules": []}, format="json"
    )
    assert bad.status_code == 400
