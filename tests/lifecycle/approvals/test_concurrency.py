"""Under concurrent decisions exactly the quorum's approvals count, the version moves once and one
`lifecycle.stage_changed` event is written; everyone else gets "already decided" (409), never a 500.

Each thread has its own database connection (Django's connections are per thread) and races on the
real row locks of PostgreSQL.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.db import connection
from rest_framework.test import APIClient

from governance.accounts import services as accounts
from governance.audit.actors import Actor
from governance.audit.event_types import AuditAction
from governance.audit.models import AuditEvent
from lifecycle.approvals.errors import AlreadyDecided
from lifecycle.approvals.policies import RuleSpec, ensure_default_policies, update_policy
from lifecycle.approvals.queries import open_request
from lifecycle.exceptions import LifecycleError
from lifecycle.models import ApprovalPolicy, Decision, StageTransition
from tests.conftest import PASSWORD, SYSTEM, make_user
from tests.lifecycle.approvals.conftest import sign, validated_version

DECIDERS = 50
QUORUM = 3
RUNS = 3


def quorum_of_three() -> None:
    ensure_default_policies(actor=SYSTEM)
    policy = ApprovalPolicy.objects.get(key="high-risk", is_current=True)
    rules = [RuleSpec.of(rule) for rule in policy.rules.all()]
    for rule in rules:
        rule.quorum = QUORUM
    update_policy(actor=SYSTEM, policy=policy, rules=rules, note="Three approvers for the race.")


def race(workers) -> list:
    """Run each worker in its own thread, released together; return what each returned or raised."""
    barrier = threading.Barrier(len(workers))
    results: list = [None] * len(workers)

    def run(i, work):
        try:
            barrier.wait(timeout=60)
            results[i] = work()
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    return results


def assert_one_approval(version, request):
    version.refresh_from_db()
    request.refresh_from_db()
    assert version.stage == "approved" and request.status == "approved"
    assert Decision.objects.filter(request=request).count() == QUORUM
    assert StageTransition.objects.filter(version=version, target="approved").count() == 1
    stage_events = AuditEvent.objects.filter(
        action=AuditAction.STAGE_CHANGED, object_type="inventory.assetversion", object_id=str(version.pk)
    )
    assert [e.payload["new"] for e in stage_events].count("approved") == 1
    assert (
        AuditEvent.objects.filter(action=AuditAction.DECISION_RECORDED, object_id=str(request.pk)).count()
        == QUORUM
    )


@pytest.fixture
def committee_of_fifty(people):
    return [make_user(f"approver{n:02d}", ["approver"], [people.committee]) for n in range(DECIDERS)]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_signatures_through_the_service(people, committee_of_fifty):
    quorum_of_three()
    for _ in range(RUNS):
        version = validated_version(people)
        request = open_request(version)
        results = race([lambda u=u, r=request: sign(u, r) for u in committee_of_fifty])
        outcomes = Counter(type(r).__name__ for r in results)
        assert outcomes == {"Decision": QUORUM, "AlreadyDecided": DECIDERS - QUORUM}, outcomes
        assert all(isinstance(r, Decision | AlreadyDecided) for r in results)
        assert all(r.http_status == 409 for r in results if isinstance(r, LifecycleError))
        assert_one_approval(version, request)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_signatures_through_the_http_api(people, committee_of_fifty):
    quorum_of_three()
    clients = []
    for user in committee_of_fifty:
        issued = accounts.create_token(actor=Actor.for_user(user), user=user, name="race", scope="write")
        clients.append(issued.secret)

    for _ in range(RUNS):
        version = validated_version(people)
        request = open_request(version)

        def work(secret, request=request):
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
            minted = client.post("/api/v1/signing-tokens/", {"password": PASSWORD}, format="json")
            assert minted.status_code == 201, minted.content
            response = client.post(
                f"/api/v1/approval-requests/{request.pk}/decisions/",
                {"meaning": "approve", "digest_seen": request.digest,
                 "signing_token": minted.json()["signing_token"]},
                format="json",
            )  # fmt: skip
            return response.status_code, response.json()

        results = race([lambda s=s: work(s) for s in clients])
        assert not [r for r in results if isinstance(r, Exception)], [
            r for r in results if isinstance(r, Exception)
        ]
        statuses = Counter(status for status, _ in results)
        assert statuses == {201: QUORUM, 409: DECIDERS - QUORUM}, statuses
        assert {body["code"] for status, body in results if status == 409} == {"already_decided"}
        assert_one_approval(version, request)
