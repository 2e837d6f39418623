"""SageMaker EventBridge events and the generic registry format, authenticated by integration tokens."""

from __future__ import annotations

import copy
import json

import pytest

from governance.audit.actors import Actor
from governance.integrations import connections
from governance.integrations.models import DeliveryStatus, WebhookDelivery
from governance.inventory.models import AssetVersion
from governance.oversight.models import Finding
from tests.factories import activate, walk_version_to

ARN = "arn:aws:sagemaker:eu-west-1:123456789012:model-package/churn/3"
EVENT = {
    "version": "0",
    "id": "evt-1",
    "detail-type": "SageMaker Model Package State Change",
    "source": "aws.sagemaker",
    "account": "123456789012",
    "time": "2026-05-01T10:00:00Z",
    "region": "eu-west-1",
    "resources": [ARN],
    "detail": {
        "ModelPackageGroupName": "churn",
        "ModelPackageVersion": 3,
        "ModelPackageArn": ARN,
        "ModelApprovalStatus": "PendingManualApproval",
        "ModelPackageStatus": "Completed",
        "InferenceSpecification": {"Containers": [{"ModelDataUrl": "s3://models/churn/3/model.tar.gz"}]},
        "MetadataProperties": {"GeneratedBy": "pipeline-run-7"},
    },
}


def make(people, kind: str, name: str):
    return connections.create_connection(
        actor=Actor.for_user(people.admin),
        name=name,
        kind=kind,
        team=people.retail,
        default_owner=people.owner,
        service_user=people.owner2,
        mapping="auto_create",
    ).connection


@pytest.fixture
def sagemaker(people):
    return make(people, "sagemaker", "sagemaker-prod")


@pytest.fixture
def generic(people):
    return make(people, "generic", "vertex-bridge")


@pytest.fixture
def push(api_for, people, django_capture_on_commit_callbacks):
    client = api_for(people.owner2, "integration")

    def post(connection, body, *, raw: bytes | None = None, content_type="application/json", as_client=None):
        with django_capture_on_commit_callbacks(execute=True):
            return (as_client or client).generic(
                "POST",
                connection.webhook_path,
                raw if raw is not None else json.dumps(body).encode(),
                content_type,
            )

    return post


def event(status: str, event_id: str) -> dict:
    body = copy.deepcopy(EVENT)
    body["id"] = event_id
    body["detail"]["ModelApprovalStatus"] = status
    return body


def test_a_pending_model_package_registers_the_version(sagemaker, push):
    response = push(sagemaker, EVENT)
    assert response.status_code == 200 and response.json() == {"delivery": "evt-1", "status": "accepted"}
    version = AssetVersion.objects.get()
    assert (version.label, version.registry_ref, version.artifact_uri, version.run_id) == (
        "3",
        ARN,
        "s3://models/churn/3/model.tar.gz",
        "pipeline-run-7",
    )
    assert version.asset.slug == "churn" and version.stage == "registered"


def test_sagemaker_sends_duplicates_which_have_one_effect(sagemaker, push):
    assert push(sagemaker, EVENT).json()["status"] == "accepted"
    assert push(sagemaker, EVENT).json()["status"] == "duplicate"
    assert WebhookDelivery.objects.count() == 1 and AssetVersion.objects.count() == 1


def test_approved_in_sagemaker_without_steward_approval_is_a_finding(sagemaker, push):
    push(sagemaker, EVENT)
    push(sagemaker, event("Approved", "evt-2"))
    finding = Finding.objects.get()
    assert finding.severity == "high" and "approved in SageMaker" in finding.title
    push(sagemaker, event("Approved", "evt-3"))  # SageMaker may repeat itself
    assert Finding.objects.count() == 1


def test_approved_in_both_is_fine_and_rejected_after_approval_is_flagged(people, sagemaker, push):
    push(sagemaker, EVENT)
    version = AssetVersion.objects.get()
    activate(version.asset, people.approver)
    walk_version_to(version, "approved", people)
    push(sagemaker, event("Approved", "evt-2"))
    assert not Finding.objects.exists()
    push(sagemaker, event("Rejected", "evt-3"))
    assert Finding.objects.get().severity == "medium"


@pytest.mark.parametrize(
    ("mutate", "status", "code"),
    [
        (lambda e: e.update({"source": "aws.s3"}), 400, "unknown_event"),
        (lambda e: e["detail"].update({"ModelApprovalStatus": "Maybe"}), 400, "invalid_event"),
        (lambda e: e["detail"].update({"ModelPackageVersion": "three"}), 400, "invalid_event"),
        (lambda e: e.pop("detail"), 400, "invalid_event"),
    ],
)
def test_bad_sagemaker_events_are_kept_and_refused(sagemaker, push, mutate, status, code):
    body = copy.deepcopy(EVENT)
    mutate(body)
    response = push(sagemaker, body)
    assert response.status_code == status and response.json()["code"] == code
    assert WebhookDelivery.objects.get().status == DeliveryStatus.REJECTED
    assert not AssetVersion.objects.exists()


def test_malformed_json_and_wrong_content_type(sagemaker, push):
    response = push(sagemaker, None, raw=b"{oops")
    assert response.status_code == 400 and response.json()["code"] == "malformed_json"
    assert WebhookDelivery.objects.get().delivery_id.startswith("unidentified-")
    response = push(sagemaker, None, raw=json.dumps(EVENT).encode(), content_type="text/plain")
    assert response.status_code == 415
    assert not AssetVersion.objects.exists()


def test_only_the_service_users_integration_tokens_are_accepted(people, sagemaker, push, api_for, client):
    for scope in ("read", "write"):
        assert push(sagemaker, EVENT, as_client=api_for(people.owner2, scope)).status_code == 403
    assert push(sagemaker, EVENT, as_client=api_for(people.owner, "integration")).status_code == 403
    client.force_login(people.admin)
    assert client.post(sagemaker.webhook_path, EVENT, content_type="application/json").status_code == 401
    assert not WebhookDelivery.objects.exists()


def test_a_generic_deploy_of_an_approved_version_records_the_deployment(people, generic, push):
    push(
        generic,
        {
            "id": "g-1",
            "type": "version.registered",
            "model": "pricing",
            "version": "4",
            "artifact_digest": "cd" * 32,
        },
    )
    version = AssetVersion.objects.get()
    assert version.artifact_digest == "cd" * 32
    activate(version.asset, people.approver)
    walk_version_to(version, "approved", people)
    push(generic, {"id": "g-2", "type": "version.deployed", "model": "pricing", "version": "4"})
    version.refresh_from_db()
    assert version.stage == "deployed"
    push(
        generic,
        {
            "id": "g-3",
            "type": "version.suspended",
            "model": "pricing",
            "version": "4",
            "reason": "drift alarm",
        },
    )
    version.refresh_from_db()
    assert version.stage == "suspended" and "drift alarm" in version.transitions.latest("at").reason


def test_a_generic_deploy_of_an_unapproved_version_is_a_finding(generic, push):
    push(generic, {"id": "g-1", "type": "version.deployed", "model": "pricing", "version": "4"})
    assert AssetVersion.objects.get().stage == "registered"
    assert "not approved" in Finding.objects.get().title


@pytest.mark.parametrize(
    "body",
    [
        {"id": "x", "type": "version.exploded", "model": "m", "version": "1"},
        {"id": "x", "type": "version.suspended", "model": "m", "version": "1"},
        {"id": "x", "type": "version.registered", "model": "m", "version": "1", "artifact_digest": "nope"},
        {"type": "version.registered", "model": "m", "version": "1"},
    ],
)
def test_bad_generic_events_are_400_with_the_reason(generic, push, body):
    response = push(generic, body)
    assert response.status_code == 400 and response.json()["detail"].startswith(
        "Invalid generic registry event"
    )
    assert not AssetVersion.objects.exists()
