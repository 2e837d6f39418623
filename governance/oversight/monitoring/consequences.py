"""What a warning or a breach leads to: a monitoring finding, and for a breach an incident.

One finding per watched metric while it is unresolved (found by its source reference), so repeated
warnings update it instead of piling up; a breach raises it to high severity, which blocks approval
(the NO_OPEN_HIGH_FINDINGS gate). One active incident per metric (a database constraint): later
breaches are recorded against it by the batch event instead of opening more.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from governance.audit.actors import Actor
from governance.oversight import findings as finding_services
from governance.oversight.incidents.services import MONITORING_BREACH_KIND, open_incident
from governance.oversight.models.findings import (
    BLOCKING_SEVERITIES,
    UNRESOLVED_STATUSES,
    Finding,
    FindingSource,
    Severity,
)
from governance.oversight.models.incidents import Incident, IncidentKind
from governance.oversight.models.monitoring import ObservationStatus
from governance.oversight.monitoring.evaluation import describe

if TYPE_CHECKING:
    from governance.oversight.monitoring.ingest import MetricOutcome

SEVERITY_FOR: dict[str, str] = {
    ObservationStatus.WARNING: Severity.MEDIUM,
    ObservationStatus.BREACH: Severity.HIGH,
}


def source_ref(version_id: int, metric_key: str) -> str:
    """How monitoring findings name the metric they are about (one unresolved finding per metric)."""
    return f"monitoring:{version_id}:{metric_key}"


def _sentence(outcome: MetricOutcome) -> str:
    obs, metric = outcome.worst, outcome.metric
    where = f" for {obs.segment}" if obs.segment else ""
    what = describe(
        obs.value,
        direction=metric.direction,
        warning=metric.warning_threshold,
        breach=metric.breach_threshold,
        unit=metric.unit,
    )
    span = f"{obs.window_start:%Y-%m-%d %H:%M} to {obs.window_end:%Y-%m-%d %H:%M} UTC"
    return f"{metric.name}{where} over {span}: {what}."


def _finding_for(outcome: MetricOutcome, *, actor: Actor) -> Finding:
    """Open the metric's monitoring finding, or update the unresolved one (escalating it on a breach)."""
    version, metric = outcome.version, outcome.metric
    severity = SEVERITY_FOR[outcome.status]
    sentence = _sentence(outcome)
    existing = (
        Finding.objects.select_for_update()
        .filter(
            version=version,
            source=FindingSource.MONITORING,
            source_ref=source_ref(version.pk, metric.key),
            status__in=UNRESOLVED_STATUSES,
        )
        .order_by("-created_at")
        .first()
    )
    label = "breached" if outcome.status == ObservationStatus.BREACH else "past its warning threshold"
    title = f"{metric.name} {label} on {version.asset.name} {version.label}"
    if existing is None:
        return finding_services.raise_finding(
            actor=actor,
            asset=version.asset,
            version=version,
            title=title[:200],
            severity=severity,
            description=sentence,
            source=FindingSource.MONITORING,
            source_ref=source_ref(version.pk, metric.key),
        )
    changes = {"description": f"Latest: {sentence}"}
    if severity in BLOCKING_SEVERITIES and existing.severity not in BLOCKING_SEVERITIES:
        changes |= {"severity": severity, "title": title[:200]}  # a breach escalates a warning finding
    return finding_services.update_finding(actor=actor, finding=existing, **changes)


def _incident_for(
    outcome: MetricOutcome, finding: Finding, *, actor: Actor, now: dt.datetime
) -> tuple[Incident, bool]:
    """The metric's active incident, or a new one (kind: monitoring breach) linked to its finding."""
    active = Incident.objects.active().filter(metric=outcome.metric).first()
    if active is not None:
        if not active.findings.filter(pk=finding.pk).exists():
            active.findings.add(finding)
        return active, False
    version = outcome.version
    incident = open_incident(
        actor=actor,
        asset=version.asset,
        version=version,
        kind=IncidentKind.objects.get(slug=MONITORING_BREACH_KIND),
        severity=Severity.HIGH,
        title=f"{outcome.metric.name} breached on {version.asset.name} {version.label}"[:200],
        description=_sentence(outcome),
        detected_at=now,
        findings=[finding],
        metric=outcome.metric,
        observation=outcome.worst,
    )
    return incident, True


def monitoring_actor(sender: Actor) -> Actor:
    """Who writes the consequences: Steward's monitoring rules, on the sender's request id.

    The sender only pushed data (its batch event names it); deciding that a value warrants a finding
    or an incident is Steward's, so those writes are attributed to the system actor "monitoring".
    """
    return Actor.system("monitoring", request_id=sender.request_id)


def act_on(outcome: MetricOutcome, *, actor: Actor, now: dt.datetime) -> None:
    """Record the finding (and, for a breach, the incident) that the outcome calls for, on the outcome.

    `actor` is the monitoring actor (see monitoring_actor), not the sender.
    """
    outcome.finding = _finding_for(outcome, actor=actor)
    if outcome.status == ObservationStatus.BREACH:
        outcome.incident, outcome.incident_opened = _incident_for(
            outcome, outcome.finding, actor=actor, now=now
        )
