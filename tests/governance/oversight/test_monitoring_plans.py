"""Monitoring plans: owners edit them through the API and the UI until the version is approved; every change
is audited, bad definitions are refused with reasons, and the plan is part of the review digest."""

from __future__ import annotations

import pytest

from governance.audit.actors import Actor
from governance.audit.models import AuditEvent
from governance.oversight.models.monitoring import MonitoringPlan, WatchedMetric
from governance.oversight.monitoring.plans import save_monitoring_plan
from lifecycle.digest import review_digest, version_material
from lifecycle.gates import Gate, evaluate_gate
from tests.factories import make_asset, make_version
from tests.governance.oversight.monitoring_support import (
    AUC,
    LATENCY,
    PSI,
    observation,
    planned_version,
    push,
)


@pytest.fixture
def version(people):
    return make_version(make_asset(people.owner, people.retail))


def _put(client, version, metrics, notes=""):
    return client.put(
        f"/api/v1/versions/{version.pk}/monitoring-plan/", {"notes": notes, "metrics": metrics}, format="json"
    )


def test_an_owner_defines_a_plan_through_the_api(people, version, api_for):
    client = api_for(people.owner)
    assert client.get(f"/api/v1/versions/{version.pk}/monitoring-plan/").json()["revision"] == 0
    response = _put(client, version, [AUC, PSI], notes="Scored daily.")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["revision"] == 1 and body["editable"] is True
    assert [m["key"] for m in body["metrics"]] == ["auc", "psi_income"]
    event = AuditEvent.objects.get(action="monitoring.plan_updated")
    assert event.payload["old"] is None
    assert [m["key"] for m in event.payload["new"]["metrics"]] == ["auc", "psi_income"]
    assert event.payload["new"]["notes"] == "Scored daily."


def test_changes_are_matched_by_key_and_audited_old_and_new(people, version, api_for):
    client = api_for(people.owner)
    _put(client, version, [AUC, PSI])
    changed = dict(AUC, breach_threshold=0.68)
    response = _put(client, version, [changed, LATENCY])
    assert response.status_code == 200 and response.json()["revision"] == 2
    assert set(WatchedMetric.objects.values_list("key", flat=True)) == {"auc", "latency_p95"}
    event = AuditEvent.objects.filter(action="monitoring.plan_updated").order_by("-seq").first()
    old = {m["key"]: m for m in event.payload["old"]["metrics"]}
    new = {m["key"]: m for m in event.payload["new"]["metrics"]}
    assert old["auc"]["breach_threshold"] == 0.70 and new["auc"]["breach_threshold"] == 0.68
    assert "psi_income" in old and "latency_p95" in new


def test_saving_the_same_plan_writes_nothing(people, version, api_for):
    client = api_for(people.owner)
    _put(client, version, [AUC])
    _put(client, version, [AUC])
    assert AuditEvent.objects.filter(action="monitoring.plan_updated").count() == 1
    assert MonitoringPlan.objects.get().revision == 1


@pytest.mark.parametrize(
    ("metric", "reason"),
    [
        (dict(AUC, warning_threshold=0.6), "the warning threshold must be at or above the breach threshold"),
        (dict(PSI, warning_threshold=0.3), "the warning threshold must be at or below the breach threshold"),
        (dict(PSI, feature=""), "name the feature this drift metric watches"),
        (dict(AUC, key="AUC score"), "key"),
        (dict(AUC, direction="sideways"), "direction"),
    ],
)
def test_bad_definitions_are_refused_with_reasons(people, version, api_for, metric, reason):
    response = _put(api_for(people.owner), version, [metric])
    assert response.status_code == 400
    assert reason in json_text(response)
    assert (
        not MonitoringPlan.objects.exists()
        and not AuditEvent.objects.filter(action="monitoring.plan_updated").exists()
    )


def json_text(response):
    import json

    return json.dumps(response.json(), ensure_ascii=False)


def test_duplicate_keys_and_non_finite_thresholds_are_refused(people, version):
    actor = Actor.for_user(people.owner)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as duplicate:
        save_monitoring_plan(actor=actor, version=version, metrics=[AUC, AUC])
    assert "already used by metric 1" in str(duplicate.value)
    with pytest.raises(ValidationError) as nan:
        save_monitoring_plan(actor=actor, version=version, metrics=[dict(AUC, breach_threshold=float("nan"))])
    assert "breach threshold must be a finite number" in str(nan.value)


def test_a_metric_with_observations_cannot_be_removed(people, api_for):
    version = planned_version(people)
    push(api_for(people.owner, scope="integration"), version, observation("psi_income", 0.02))
    response = _put(api_for(people.owner), version, [AUC])
    assert response.status_code == 400
    assert "“psi_income” already has observations" in json_text(response)


@pytest.mark.parametrize("who", ["validator", "approver", "compliance", "owner2_other_team"])
def test_only_the_owning_team_edits_the_plan(people, version, api_for, who):
    user = people.outsider if who == "owner2_other_team" else getattr(people, who)
    response = _put(api_for(user), version, [AUC])
    assert response.status_code in {403, 404}
    if who == "owner2_other_team":
        assert response.status_code == 404  # the outsider cannot even see the version
    assert not MonitoringPlan.objects.exists()
    assert _put(api_for(people.owner2), version, [AUC]).status_code == 200  # same team


def test_the_plan_is_frozen_once_approved(people, api_for):
    version = planned_version(people, stage="approved")
    response = _put(api_for(people.owner), version, [LATENCY])
    assert response.status_code == 409
    assert "Register a new version to change the plan" in response.json()["detail"]
    assert set(WatchedMetric.objects.values_list("key", flat=True)) == {"auc", "psi_income"}
    assert (
        api_for(people.owner).get(f"/api/v1/versions/{version.pk}/monitoring-plan/").json()["editable"]
        is False
    )


def test_the_plan_is_in_the_review_digest_from_version_2(people, version):
    before = review_digest(version)
    v1_before = review_digest(version, digest_version=1)
    save_monitoring_plan(actor=Actor.for_user(people.owner), version=version, metrics=[AUC])
    assert review_digest(version) != before
    assert review_digest(version, digest_version=1) == v1_before  # version-1 pins stay explainable
    material = version_material(version)
    assert material["digest_version"] == 2
    assert material["monitoring_plan"]["metrics"][0]["breach_threshold"] == 0.70
    assert "monitoring_plan" not in version_material(version, digest_version=1)


def test_the_monitoring_plan_gate(people, version):
    result = evaluate_gate(Gate.MONITORING_PLAN, version.asset, version)
    assert not result.passed and result.reasons == [f"Version {version.label} has no monitoring plan."]
    save_monitoring_plan(actor=Actor.for_user(people.owner), version=version, metrics=[AUC])
    assert evaluate_gate(Gate.MONITORING_PLAN, version.asset, version).passed


def test_the_plan_form_saves_through_the_service(people, version, web_for):
    web = web_for(people.owner)
    url = f"/oversight/monitoring/versions/{version.pk}/plan/"
    page = web.get(url)
    assert page.status_code == 200 and b"Save plan" in page.content
    data = {
        "notes": "Daily job.",
        "metrics-TOTAL_FORMS": "2",
        "metrics-INITIAL_FORMS": "0",
        "metrics-MIN_NUM_FORMS": "0",
        "metrics-MAX_NUM_FORMS": "50",
        "metrics-0-key": "auc",
        "metrics-0-name": "AUC",
        "metrics-0-kind": "performance",
        "metrics-0-direction": "higher_is_better",
        "metrics-0-warning_threshold": "0.75",
        "metrics-0-breach_threshold": "0.7",
        "metrics-0-suspend_on_breach": "on",
        "metrics-1-key": "",
    }
    response = web.post(url, data)
    assert response.status_code == 302 and response["Location"].endswith("#monitoring")
    metric = WatchedMetric.objects.get()
    assert (metric.key, metric.breach_threshold, metric.suspend_on_breach) == ("auc", 0.7, True)
    bad = web.post(url, dict(data, **{"metrics-0-warning_threshold": "0.5"}))
    assert bad.status_code == 400 and "warning threshold must be at or above" in bad.content.decode()


def test_the_plan_form_is_closed_to_others_and_after_approval(people, web_for):
    version = planned_version(people, stage="approved")
    url = f"/oversight/monitoring/versions/{version.pk}/plan/"
    assert web_for(people.validator).get(url).status_code in {403, 404}
    response = web_for(people.owner).get(url)
    assert response.status_code == 302
