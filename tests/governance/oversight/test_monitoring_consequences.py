"""What observations lead to: warnings open or update a monitoring finding; breaches open an incident with
a high finding (which blocks approval) and, where the plan says so, suspend the deployed version through
transition(), with its own audit event."""

from __future__ import annotations

import pytest

from governance.audit.models import AuditEvent
from governance.oversight.models.findings import Finding
from governance.oversight.models.incidents import Incident
from governance.oversight.models.monitoring import ObservationBatch
from lifecycle.exceptions import LifecycleError
from lifecycle.gates import Gate, evaluate_gate
from lifecycle.models import StageTransition
from lifecycle.monitoring import evaluate_batch
from lifecycle.monitoring_tasks import evaluate_pending_batches
from tests.factories import approve_request
from tests.governance.oversight.monitoring_support import AUC, PSI, observation, planned_version, push


@pytest.fixture
def integration(people, api_for):
    return api_for(people.owner, scope="integration")


def test_a_warning_opens_a_medium_finding_and_later_warnings_update_it(people, integration):
    version = planned_version(people)
    push(integration, version, observation("psi_income", 0.15, days_ago=2))
    finding = Finding.objects.get()
    assert (finding.source, finding.severity, finding.status) == ("monitoring", "medium", "open")
    assert finding.source_ref == f"monitoring:{version.pk}:psi_income"
    assert "0.15 is above the warning threshold 0.1" in finding.description
    push(integration, version, observation("psi_income", 0.18, days_ago=1))
    assert Finding.objects.count() == 1
    finding.refresh_from_db()
    assert "0.18 is above the warning threshold 0.1" in finding.description
    update = AuditEvent.objects.get(action="finding.updated", object_id=str(finding.pk))
    assert update.actor_name == "monitoring"  # Steward's monitoring rules decided, on the token's request


def test_a_breach_opens_one_incident_with_a_high_finding(people, integration):
    version = planned_version(people, metrics=[dict(AUC, suspend_on_breach=False), PSI])
    response = push(
        integration, version, observation("auc", 0.74, days_ago=3), observation("auc", 0.66, days_ago=2)
    )
    body = response.json()
    [alert] = body["alerts"]
    assert alert["status"] == "breach" and alert["worst_value"] == 0.66 and alert["observations"] == 2
    assert body["evaluation"] == "queued"
    [outcome] = response.evaluation.result.outcomes
    assert outcome.incident_opened is True
    incident = Incident.objects.get()
    assert incident.kind.slug == "monitoring-breach" and incident.report_due_at is None
    assert incident.severity == "high" and incident.metric.key == "auc" and incident.version == version
    finding = Finding.objects.get()
    assert finding.severity == "high" and list(incident.findings.all()) == [finding]
    # A later breach of the same metric joins the active incident.
    [again] = push(integration, version, observation("auc", 0.6, days_ago=1)).evaluation.result.outcomes
    assert again.incident == incident and again.incident_opened is False
    assert Incident.objects.count() == 1 and Finding.objects.count() == 1
    assert (
        response.evaluation.suspensions == []
        and not StageTransition.objects.filter(target="suspended").exists()
    )


def test_a_breach_escalates_the_metric_warning_finding(people, integration):
    version = planned_version(people)
    push(integration, version, observation("psi_income", 0.2, days_ago=2))
    push(integration, version, observation("psi_income", 0.4, days_ago=1))
    finding = Finding.objects.get()
    assert finding.severity == "high" and finding.title.startswith("PSI of income breached")


def test_a_breach_suspends_the_deployed_version_through_the_one_door(people, integration):
    version = planned_version(people, stage="deployed")
    response = push(integration, version, observation("auc", 0.61, days_ago=1))
    assert response.status_code == 201
    version.refresh_from_db()
    assert version.stage == "suspended"
    [suspension] = response.evaluation.suspensions
    assert (suspension.version, suspension.metric.key, suspension.done) == (version, "auc", True)
    step = StageTransition.objects.get(version=version, target="suspended")
    assert step.source == "deployed" and step.actor_kind == "token"
    assert step.reason.startswith("Monitoring breach: AUC = 0.61 against a breach threshold of 0.7")
    assert "INC-" in step.reason
    event = (
        AuditEvent.objects.filter(action="lifecycle.stage_changed", object_type="inventory.assetversion")
        .filter(object_id=str(version.pk))
        .order_by("-seq")
        .first()
    )
    assert event.payload["new"] == "suspended" and event.payload["old"] == "deployed"
    assert event.payload["reason"] == step.reason and event.actor_kind == "token"
    incident = Incident.objects.get()
    assert event.payload["reason"].endswith(f"({incident.reference}).")


def test_a_breach_of_a_metric_that_does_not_suspend_leaves_the_version_deployed(people, integration):
    version = planned_version(people, stage="deployed")
    push(integration, version, observation("psi_income", 0.9, days_ago=1))
    version.refresh_from_db()
    assert version.stage == "deployed" and Incident.objects.count() == 1


def test_a_rejected_batch_opens_nothing_and_suspends_nothing(people, integration):
    version = planned_version(people, stage="deployed")
    response = push(
        integration, version, observation("auc", 0.5, days_ago=1), observation("auc", "oops", days_ago=2)
    )
    assert response.status_code == 400
    version.refresh_from_db()
    assert version.stage == "deployed"
    assert not Incident.objects.exists() and not Finding.objects.exists()


def test_a_breach_finding_blocks_approval(people, integration):
    """Shadow monitoring before approval: a breach raises a high finding, and the approval is refused."""
    version = planned_version(people, stage="validated", metrics=[AUC])
    push(integration, version, observation("auc", 0.55, days_ago=1))
    gate = evaluate_gate(Gate.NO_OPEN_HIGH_FINDINGS, version.asset, version)
    assert not gate.passed and "AUC breached" in gate.reasons[0]
    with pytest.raises(LifecycleError) as refused:
        approve_request(version, people.approver)
    assert any("AUC breached" in reason for reason in refused.value.reasons)
    version.refresh_from_db()
    assert version.stage == "validated"


def test_the_evaluation_is_queued_on_commit_and_runs_once(
    people, integration, django_capture_on_commit_callbacks
):
    version = planned_version(people, stage="deployed")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = push(integration, version, observation("auc", 0.5, days_ago=1), evaluate=False)
    assert response.json()["evaluation"] == "queued" and len(callbacks) == 1
    version.refresh_from_db()
    assert version.stage == "suspended" and Incident.objects.count() == 1
    batch = ObservationBatch.objects.get()
    assert batch.evaluated_at is not None
    assert evaluate_batch(batch.pk) is None  # a second delivery of the task does nothing
    assert Incident.objects.count() == 1 and StageTransition.objects.filter(target="suspended").count() == 1


def test_a_batch_with_nothing_to_act_on_is_evaluated_when_stored(
    people, integration, django_capture_on_commit_callbacks
):
    version = planned_version(people)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = push(integration, version, observation("auc", 0.9, days_ago=1), evaluate=False)
    assert response.json()["evaluation"] == "done" and callbacks == []


def test_the_sweeper_requeues_batches_whose_task_was_lost(
    people, integration, django_capture_on_commit_callbacks, settings
):
    settings.STEWARD_MONITORING_EVALUATION_GRACE_SECONDS = 0
    version = planned_version(people)
    push(integration, version, observation("psi_income", 0.5, days_ago=1), evaluate=False)  # task "lost"
    assert not Incident.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert evaluate_pending_batches.apply().get() == 1
    assert Incident.objects.count() == 1
    assert evaluate_pending_batches.apply().get() == 0
