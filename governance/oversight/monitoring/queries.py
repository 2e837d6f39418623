"""Read side of monitoring: a version's charts, its data freshness, and its recent alerts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from governance.inventory.models import AssetVersion
from governance.oversight.models.monitoring import (
    MonitoringPlan,
    Observation,
    ObservationStatus,
    WatchedMetric,
)
from governance.oversight.monitoring.charts import Chart, build_chart


@dataclass
class MetricHistory:
    metric: WatchedMetric
    chart: Chart
    latest: Observation | None


def freshness_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """Monitoring data older than this counts as missing (STEWARD_MONITORING_STALE_DAYS, default 7)."""
    return (now or timezone.now()) - dt.timedelta(days=settings.STEWARD_MONITORING_STALE_DAYS)


def plan_of(version: AssetVersion) -> MonitoringPlan | None:
    return MonitoringPlan.objects.filter(version=version).prefetch_related("metrics").first()


def metric_histories(
    version: AssetVersion, plan: MonitoringPlan | None, now: dt.datetime | None = None
) -> list[MetricHistory]:
    """One chart per watched metric over the last STEWARD_MONITORING_CHART_DAYS days, in two queries."""
    if plan is None:
        return []
    now = now or timezone.now()
    since = now - dt.timedelta(days=settings.STEWARD_MONITORING_CHART_DAYS)
    cap = settings.STEWARD_MONITORING_CHART_POINTS
    rows: dict[int, list[Observation]] = {}
    recent = (
        Observation.objects.filter(version=version, window_end__gte=since)
        .only("id", "metric_id", "value", "window_start", "window_end", "segment", "status")
        .order_by("metric_id", "-window_end", "segment")
    )
    for obs in recent:
        kept = rows.setdefault(obs.metric_id, [])
        if len(kept) < cap:
            kept.append(obs)
    histories = []
    for metric in plan.metrics.all():
        observed = list(reversed(rows.get(metric.pk, [])))
        chart = build_chart(
            [(o.window_end, o.value, o.status, o.segment) for o in observed],
            direction=metric.direction,
            warning=metric.warning_threshold,
            breach=metric.breach_threshold,
            unit=metric.unit,
        )
        histories.append(MetricHistory(metric, chart, observed[-1] if observed else None))
    return histories


def last_observed_at(version: AssetVersion) -> dt.datetime | None:
    """End of the latest window observed for the version (kept on its plan by the ingest)."""
    return MonitoringPlan.objects.filter(version=version).values_list("last_observed_at", flat=True).first()


def recent_alerts(version: AssetVersion, limit: int = 10) -> list[Observation]:
    """The latest warnings and breaches of the version, newest first."""
    return list(
        Observation.objects.filter(
            version=version, status__in=[ObservationStatus.WARNING, ObservationStatus.BREACH]
        )
        .select_related("metric")
        .order_by("-window_end", "-pk")[:limit]
    )
