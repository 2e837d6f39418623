"""Demo monitoring for the embedded seed: plans approved with their versions, a month of metrics pushed by
the monitoring pipeline's integration token, a drift warning, and the KYC OCR breach that suspends the
model and becomes a serious incident. Everything goes through the same services as the API.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from django.utils import timezone

from governance.accounts import services as accounts
from governance.accounts.models import Team, User
from governance.audit.actors import Actor
from governance.inventory.models import AssetVersion
from governance.oversight.incidents.services import update_incident
from governance.oversight.models.incidents import Incident, IncidentKind
from governance.oversight.monitoring.plans import save_monitoring_plan
from lifecycle.monitoring import Evaluation, evaluate_batch, ingest_observations

SYSTEM = Actor.system("seed_demo")
DAYS = 30

AUC = {"kind": "performance", "direction": "higher_is_better"}
DRIFT = {"kind": "drift", "direction": "lower_is_better"}

PLANS: dict[str, list[dict[str, Any]]] = {
    "credit-default-pd": [
        AUC | {"key": "auc", "name": "AUC", "warning_threshold": 0.76, "breach_threshold": 0.72,
               "suspend_on_breach": True},
        DRIFT | {"key": "psi_income", "name": "PSI of income", "feature": "income", "warning_threshold": 0.1,
                 "breach_threshold": 0.25},
        {"key": "dp_ratio_age", "name": "Approval-rate parity (age band)", "kind": "fairness",
         "feature": "age_band", "direction": "higher_is_better", "warning_threshold": 0.85,
         "breach_threshold": 0.8},
    ],
    "card-fraud-detection": [
        {"key": "precision_at_1pct", "name": "Precision at 1% alert rate", "kind": "performance",
         "direction": "higher_is_better", "warning_threshold": 0.66, "breach_threshold": 0.6},
        DRIFT | {"key": "psi_amount", "name": "PSI of transaction amount", "feature": "amount",
                 "warning_threshold": 0.1, "breach_threshold": 0.25},
        {"key": "latency_p99", "name": "Scoring latency p99", "kind": "latency",
         "direction": "lower_is_better", "warning_threshold": 80.0, "breach_threshold": 150.0, "unit": "ms"},
    ],
    "customer-churn": [
        AUC | {"key": "auc", "name": "AUC", "warning_threshold": 0.72, "breach_threshold": 0.68},
    ],
    "mortgage-affordability": [
        {"key": "mape", "name": "Mean absolute percentage error", "kind": "performance",
         "direction": "lower_is_better", "warning_threshold": 0.1, "breach_threshold": 0.15},
    ],
    "kyc-document-ocr": [
        {"key": "field_error_rate", "name": "Identity field error rate", "kind": "data_quality",
         "feature": "extracted identity fields", "direction": "lower_is_better", "warning_threshold": 0.02,
         "breach_threshold": 0.05, "suspend_on_breach": True},
    ],
}  # fmt: skip

# metric key -> value on day d (d days ago, 30 … 1); segment -> value for segmented metrics.
Series = Callable[[int], float]
FEEDS: dict[str, dict[str, Series | Mapping[str, Series]]] = {
    "credit-default-pd": {
        "auc": lambda d: round(0.805 - (DAYS - d) * 0.0006, 4),
        "psi_income": lambda d: round(0.03 + (DAYS - d) * 0.0032, 4),  # drifting: warnings in the last days
        "dp_ratio_age": {
            "age_band=18-25": lambda d: round(0.9 - (DAYS - d) * 0.001, 4),
            "age_band=26-60": lambda d: 0.98,
            "age_band=60+": lambda d: round(0.93 - (d % 5) * 0.004, 4),
        },
    },
    "card-fraud-detection": {
        "precision_at_1pct": lambda d: round(0.71 + (d % 4) * 0.005, 4),
        "psi_amount": lambda d: round(0.04 + (d % 6) * 0.006, 4),
        "latency_p99": lambda d: 52.0 + (d % 7) * 4,
    },
    "customer-churn": {"auc": lambda d: round(0.77 - (d % 3) * 0.004, 4)},
}


def plan_for(cast: Any, version: AssetVersion) -> None:
    """The version's monitoring plan, saved by its owner before the version goes for approval."""
    metrics = PLANS.get(version.asset.slug)
    if metrics:
        notes = "Scored daily by the model-monitoring job; alerts go to the owning team's channel."
        save_monitoring_plan(actor=cast.actor("olivia"), version=version, metrics=metrics, notes=notes)


def monitoring_pipeline(team: Team) -> Actor:
    """The monitoring job's service account in the owning team, acting through an integration token."""
    bot: User = accounts.create_user(
        actor=SYSTEM, username="monitoring-bot", full_name="Model monitoring job", teams=[team]
    )
    issued = accounts.create_token(actor=SYSTEM, user=bot, name="model-monitoring job", scope="integration")
    return Actor.for_token(issued.token)


def _window(days_ago: int) -> tuple[str, str]:
    end = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0) - dt.timedelta(days=days_ago - 1)
    return (end - dt.timedelta(days=1)).isoformat(), end.isoformat()


def push(pipeline: Actor, version: AssetVersion, items: list[dict[str, Any]]) -> Evaluation | None:
    """One batch through the ingest service, evaluated at once (the seed runs in one transaction, so the
    task queued on commit would come too late for the story; evaluating twice is a no-op)."""
    stored = ingest_observations(actor=pipeline, data={"version": version.pk, "observations": items})
    return evaluate_batch(stored.batch.pk)


def feed(pipeline: Actor, version: AssetVersion) -> Evaluation | None:
    """A month of daily observations for the version, in one batch through the ingest service."""
    items = []
    for metric, series in FEEDS[version.asset.slug].items():
        for day in range(DAYS, 0, -1):
            start, end = _window(day)
            segments = series.items() if isinstance(series, Mapping) else [("", series)]
            for segment, values in segments:
                items.append(
                    {"metric": metric, "value": values(day), "window_start": start, "window_end": end}
                    | ({"segment": segment} if segment else {})
                )
    return push(pipeline, version, items)


def ocr_breach(cast: Any, pipeline: Actor, version: AssetVersion) -> Incident:
    """After the vendor's update the error rate on Polish ID cards crosses the line: monitoring suspends the
    deployed model through transition() and opens an incident, which compliance reclassifies as serious."""
    items = []
    for day in range(14, 0, -1):
        start, end = _window(day)
        after_update = day <= 4
        for country, base in (("country=DE", 0.008), ("country=PL", 0.011)):
            value = base + (0.055 if after_update and country == "country=PL" else (day % 3) * 0.001)
            window = {"window_start": start, "window_end": end, "segment": country}
            items.append({"metric": "field_error_rate", "value": round(value, 4)} | window)
    evaluation = push(pipeline, version, items)
    breach = evaluation.result.breaches[0] if evaluation and evaluation.result.breaches else None
    if breach is None or breach.incident is None or not evaluation or not evaluation.suspensions[0].done:
        raise RuntimeError("The demo's OCR breach should have suspended the model and opened an incident.")
    return update_incident(
        actor=cast.actor("carla"),
        incident=breach.incident,
        kind=IncidentKind.objects.get(slug="serious-incident"),
        status="investigating",
        severity="critical",
        description=(
            f"{breach.incident.description} Polish applicants were refused onboarding on misread identity "
            "fields since the vendor's update: treated as a serious incident (fundamental rights)."
        ),
    )
