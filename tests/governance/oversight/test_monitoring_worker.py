"""End to end with a real Celery worker on Redis: a batch committed through the API is evaluated by the
worker, which opens the incident and suspends the deployed version through transition()."""

from __future__ import annotations

import time

import pytest

from governance.oversight.models.incidents import Incident
from governance.oversight.models.monitoring import ObservationBatch
from lifecycle.models import StageTransition
from tests.governance.oversight.monitoring_support import observation, planned_version, push

pytestmark = [pytest.mark.worker]


def _wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError("the worker did not finish in time")


def test_a_breach_is_acted_on_by_the_worker(people, api_for, celery_worker):
    version = planned_version(people, stage="deployed")
    client = api_for(people.owner, scope="integration")
    response = push(
        client, version, observation("auc", 0.81, days_ago=2), observation("auc", 0.52), evaluate=False
    )
    assert response.status_code == 201 and response.json()["evaluation"] == "queued"
    batch = ObservationBatch.objects.get(pk=response.json()["batch"])
    _wait_for(lambda: ObservationBatch.objects.filter(pk=batch.pk, evaluated_at__isnull=False).exists())
    version.refresh_from_db()
    assert version.stage == "suspended"
    incident = Incident.objects.get(version=version)
    step = StageTransition.objects.get(version=version, target="suspended")
    assert step.actor_kind == "token" and incident.reference in step.reason
