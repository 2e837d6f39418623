"""Builders for the monitoring, incident and dashboard tests (plain functions, through the services)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from governance.audit.actors import Actor
from governance.inventory.models import AssetVersion
from governance.oversight.monitoring.plans import save_monitoring_plan
from lifecycle.monitoring import evaluate_batch
from tests.factories import make_asset, make_version, walk_version_to

AUC = {
    "key": "auc",
    "name": "AUC",
    "kind": "performance",
    "direction": "higher_is_better",
    "warning_threshold": 0.75,
    "breach_threshold": 0.70,
    "suspend_on_breach": True,
}
PSI = {
    "key": "psi_income",
    "name": "PSI of income",
    "kind": "drift",
    "feature": "income",
    "direction": "lower_is_better",
    "warning_threshold": 0.1,
    "breach_threshold": 0.25,
}
LATENCY = {
    "key": "latency_p95",
    "name": "Latency p95",
    "kind": "latency",
    "direction": "lower_is_better",
    "warning_threshold": 200.0,
    "breach_threshold": 400.0,
    "unit": "ms",
}


def planned_version(
    people: Any, *, stage: str = "registered", metrics: list[dict] | None = None, **asset: Any
) -> AssetVersion:
    """A version of a new retail-credit asset with a monitoring plan, walked to `stage`."""
    version = make_version(make_asset(people.owner, people.retail, **asset))
    save_monitoring_plan(actor=Actor.for_user(people.owner), version=version, metrics=metrics or [AUC, PSI])
    if stage != "registered":
        walk_version_to(version, stage, people)
    version.refresh_from_db()
    return version


def observation(
    metric: str,
    value: Any,
    *,
    days_ago: float = 1,
    segment: str = "",
    version: int | None = None,
    hours: float = 24,
) -> dict[str, Any]:
    """One observation over a window ending `days_ago` days ago."""
    end = timezone.now().replace(microsecond=0) - dt.timedelta(days=days_ago)
    item: dict[str, Any] = {
        "metric": metric,
        "value": value,
        "window_start": (end - dt.timedelta(hours=hours)).isoformat(),
        "window_end": end.isoformat(),
    }
    if segment:
        item["segment"] = segment
    if version is not None:
        item["version"] = version
    return item


def push(
    client: Any, version: AssetVersion | None, *observations: dict[str, Any], evaluate: bool = True
) -> Any:
    """POST a batch; then evaluate it as the task queued on its commit would (the test's transaction never
    commits, so on-commit callbacks do not run by themselves)."""
    body: dict[str, Any] = {"observations": list(observations)}
    if version is not None:
        body["version"] = version.pk
    response = client.post("/api/v1/observations/", body, format="json")
    if evaluate and response.status_code == 201:
        response.evaluation = evaluate_batch(response.json()["batch"])
    return response
