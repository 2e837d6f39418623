"""The findings register: raising, status changes with their permissions, risk acceptance until a
date, comments and links, each an audit event; pages and API follow visibility."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from governance.audit.actors import Actor
from governance.audit.event_types import AuditAction
from governance.audit.models import AuditEvent
from governance.oversight import findings as services
from governance.oversight.models import Finding
from lifecycle.gates import Gate, evaluate_gate
from tests.factories import make_asset, make_version, walk_version_to


@pytest.fixture
def finding(people):
    # Raised during validation, by the validator who claimed the version.
    version = walk_version_to(make_version(make_asset(people.owner, people.retail)), "in_validation", people)
    return services.raise_finding(actor=Actor.for_user(people.validator), asset=version.asset, version=version,
                                  title="Unstable on thin files", severity="high",
                                  due_date=timezone.now().date() + dt.timedelta(days=14))  # fmt: skip


def events(finding, action):
    return AuditEvent.objects.filter(
        object_type="oversight.finding", object_id=str(finding.pk), action=action
    )


def test_raising_is_audited_and_blocks_the_gate(people, finding):
    assert finding.owner == people.owner and events(finding, AuditAction.FINDING_RAISED).count() == 1
    result = evaluate_gate(Gate.NO_OPEN_HIGH_FINDINGS, finding.asset, finding.version)
    assert not result.passed and "Unstable on thin files" in result.reasons[0]
    with pytest.raises(PermissionDenied):
        services.raise_finding(
            actor=Actor.for_user(people.outsider), asset=finding.asset, title="x", severity="low"
        )
    with pytest.raises(ValidationError):
        services.raise_finding(
            actor=Actor.for_user(people.validator), asset=finding.asset, title=" ", severity="low"
        )


def test_status_moves_and_who_may_take_them(people, finding):
    owner, validator = Actor.for_user(people.owner), Actor.for_user(people.validator)
    services.change_finding_status(actor=owner, finding=finding, status="in_remediation", note="On it.")
    with pytest.raises(PermissionDenied):
        services.change_finding_status(actor=owner, finding=finding, status="closed", note="Done, trust me.")
    with pytest.raises(ValidationError):
        services.change_finding_status(actor=validator, finding=finding, status="closed", note=" ")
    services.change_finding_status(
        actor=validator, finding=finding, status="closed", note="Verified the fix."
    )
    finding.refresh_from_db()
    assert finding.status == "closed" and finding.closed_at is not None
    assert evaluate_gate(Gate.NO_OPEN_HIGH_FINDINGS, finding.asset, finding.version).passed
    with pytest.raises(ValidationError):
        services.change_finding_status(actor=validator, finding=finding, status="in_remediation", note="x")
    assert [c.status_change for c in finding.comments.all()] == [
        "open → in_remediation",
        "in_remediation → closed",
    ]
    assert events(finding, AuditAction.FINDING_STATUS_CHANGED).count() == 2


def test_risk_acceptance_is_an_independent_approvers_until_a_date(people, finding):
    until = timezone.now().date() + dt.timedelta(days=30)
    for user in (people.owner, people.validator, people.team_approver):
        with pytest.raises(PermissionDenied):
            services.change_finding_status(actor=Actor.for_user(user), finding=finding, status="risk_accepted",
                                           note="ok", accepted_until=until)  # fmt: skip
    with pytest.raises(ValidationError):
        services.change_finding_status(actor=Actor.for_user(people.approver), finding=finding,
                                       status="risk_accepted", note="ok")  # fmt: skip
    services.change_finding_status(actor=Actor.for_user(people.approver), finding=finding, status="risk_accepted",
                                   note="Compensating controls.", accepted_until=until)  # fmt: skip
    assert evaluate_gate(Gate.NO_OPEN_HIGH_FINDINGS, finding.asset, finding.version).passed
    with time_machine.travel(timezone.now() + dt.timedelta(days=31)):
        assert not evaluate_gate(Gate.NO_OPEN_HIGH_FINDINGS, finding.asset, finding.version).passed  # lapsed


def test_edits_comments_and_links_are_audited(people, finding):
    validator = Actor.for_user(people.validator)
    services.update_finding(
        actor=validator, finding=finding, severity="critical", title="Unstable on thin files"
    )
    event = events(finding, AuditAction.FINDING_UPDATED).get()
    assert event.payload == {"old": {"severity": "high"}, "new": {"severity": "critical"}}
    with pytest.raises(PermissionDenied):
        services.update_finding(actor=Actor.for_user(people.owner), finding=finding, severity="low")
    services.comment_on_finding(actor=Actor.for_user(people.owner), finding=finding, body="Fix in 1.3.")
    assert events(finding, AuditAction.FINDING_COMMENTED).count() == 1
    link = services.link_to_finding(actor=validator, finding=finding, obj=finding.version)
    again = services.link_to_finding(actor=validator, finding=finding, obj=finding.version)
    assert link.pk == again.pk and link.object_type == "inventory.assetversion"
    assert events(finding, AuditAction.FINDING_UPDATED).count() == 2


def test_findings_pages_and_api(people, web_for, api_for, finding, django_assert_max_num_queries):
    client = web_for(people.validator)
    with django_assert_max_num_queries(40):
        assert client.get("/oversight/findings/?status=unresolved&severity=high").status_code == 200
    page = client.get(finding.get_absolute_url())
    assert page.status_code == 200 and "Change status" in page.content.decode()
    response = client.post(finding.get_absolute_url(), {"action": "status", "status": "closed", "note": ""})
    assert response.status_code == 400
    response = client.post(finding.get_absolute_url(), {"action": "comment", "body": "Looking."})
    assert response.status_code == 302 and finding.comments.count() == 1
    raise_url = f"/oversight/findings/new/version/{finding.version_id}/"
    created = client.post(raise_url, {"title": "Missing calibration plot", "severity": "low"})
    assert created.status_code == 302 and Finding.objects.count() == 2
    assert (
        web_for(people.outsider).get(finding.get_absolute_url()).status_code == 404
    )  # same client, re-logged

    api = api_for(people.approver)
    listed = api.get("/api/v1/findings/?severity=high").json()
    assert [f["id"] for f in listed["results"]] == [finding.pk]
    until = (timezone.now().date() + dt.timedelta(days=10)).isoformat()
    accepted = api.post(f"/api/v1/findings/{finding.pk}/status/",
                        {"status": "risk_accepted", "note": "Accepted.", "accepted_until": until}, format="json")  # fmt: skip
    assert accepted.status_code == 200 and accepted.json()["risk_accepted_by"] == "alice"
    assert api_for(people.outsider).get(f"/api/v1/findings/{finding.pk}/").status_code == 404
    bad = api.post(
        "/api/v1/findings/", {"asset": finding.asset.slug, "title": "x", "severity": "huge"}, format="json"
    )
    assert bad.status_code == 400
