"""Incident services: open, update, classify and close incidents, record the report sent, edit kinds.

Every write locks what it changes and appends its audit event last, in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from governance.accounts.models import User
from governance.accounts.roles import Role
from governance.audit.actors import Actor
from governance.audit.event_types import AuditAction
from governance.audit.ledger import record_event
from governance.evidence.models import Evidence
from governance.inventory.models import Asset, AssetVersion
from governance.inventory.services import may_edit_asset
from governance.oversight.errors import IncidentConflict
from governance.oversight.models.findings import Finding, Severity
from governance.oversight.models.incidents import (
    Incident,
    IncidentFilePurpose,
    IncidentKind,
    IncidentStatus,
)
from governance.oversight.models.monitoring import Observation, WatchedMetric

MONITORING_BREACH_KIND = "monitoring-breach"
EDITABLE_FIELDS = ("title", "description", "severity", "kind", "status", "resolution")
# Who, beyond the asset's owners, may open and handle incidents on any asset they can see.
HANDLER_ROLES = (Role.VALIDATOR, Role.APPROVER, Role.COMPLIANCE, Role.ADMIN)
REPORTER_ROLES = (Role.COMPLIANCE, Role.ADMIN)


def may_handle_incidents(user: User | None, asset: Asset) -> bool:
    """Owners of the asset, validators, approvers, compliance officers and admins handle its incidents."""
    if user is None or not user.is_active:
        return False
    return user.has_role(*HANDLER_ROLES) or may_edit_asset(user, asset)


def may_record_report(user: User | None, asset: Asset) -> bool:
    """The report to the authority is recorded by compliance officers, admins or the asset's owners."""
    if user is None or not user.is_active:
        return False
    return user.has_role(*REPORTER_ROLES) or may_edit_asset(user, asset)


def _trusted(actor: Actor) -> bool:
    return actor.kind == "system" or actor.is_integration


def _snapshot(incident: Incident) -> dict[str, Any]:
    return {
        "title": incident.title,
        "description": incident.description,
        "severity": incident.severity,
        "kind": incident.kind.slug,
        "status": incident.status,
        "resolution": incident.resolution,
        "report_due_at": incident.report_due_at,
        "findings": sorted(incident.findings.values_list("pk", flat=True)) if incident.pk else [],
        "evidence": sorted(incident.evidence.values_list("pk", flat=True)) if incident.pk else [],
    }


def _check_findings(asset: Asset, findings: Iterable[Finding]) -> list[Finding]:
    findings = list(findings)
    if any(f.asset_id != asset.pk for f in findings):
        raise ValidationError({"findings": "Link only findings about the same asset."})
    return findings


def _check_evidence(asset: Asset, evidence: Iterable[Evidence]) -> list[Evidence]:
    items = list(evidence)
    if any(e.asset_id != asset.pk for e in items):
        raise ValidationError({"evidence": "Link only evidence of the same asset's versions."})
    return items


@transaction.atomic
def open_incident(
    *,
    actor: Actor,
    asset: Asset,
    kind: IncidentKind,
    title: str,
    severity: str,
    version: AssetVersion | None = None,
    description: str = "",
    detected_at: dt.datetime | None = None,
    findings: Iterable[Finding] = (),
    evidence: Iterable[Evidence] = (),
    metric: WatchedMetric | None = None,
    observation: Observation | None = None,
) -> Incident:
    """Open an incident; its report deadline comes from the kind (detected_at + the kind's days).

    One `incident.opened` audit event. Refused for people who may not handle the asset's incidents,
    for inactive kinds, and for detection times in the future.
    """
    if not _trusted(actor) and not may_handle_incidents(actor.user, asset):
        raise PermissionDenied(
            "Only the asset's owners, validators, approvers and compliance open incidents."
        )
    if version is not None and version.asset_id != asset.pk:
        raise ValidationError({"version": "The version does not belong to this asset."})
    if not kind.active and not _trusted(actor):
        raise ValidationError({"kind": f"“{kind.name}” is no longer used for new incidents."})
    now = timezone.now()
    detected_at = detected_at or now
    if detected_at > now + dt.timedelta(minutes=5):
        raise ValidationError({"detected_at": "An incident cannot be detected in the future."})
    incident = Incident(
        asset=asset,
        version=version,
        kind=kind,
        severity=severity,
        title=title.strip(),
        description=description.strip(),
        detected_at=detected_at,
        report_due_at=kind.deadline_for(detected_at),
        metric=metric,
        observation=observation,
        opened_by=actor.user if not actor.is_integration else None,
        opened_by_name=actor.name,
    )
    incident.full_clean(exclude=["metric", "observation"], validate_constraints=False)
    incident.save()
    linked, linked_evidence = _check_findings(asset, findings), _check_evidence(asset, evidence)
    if linked:
        incident.findings.set(linked)
    if linked_evidence:
        incident.evidence.set(linked_evidence)
    record_event(
        AuditAction.INCIDENT_OPENED,
        actor=actor,
        obj=incident,
        payload={
            "asset": asset.slug,
            "version": version.label if version else None,
            "new": _snapshot(incident) | {"detected_at": detected_at},
            "metric": metric.key if metric else None,
            "observation": observation.pk if observation else None,
        },
    )
    return incident


def _status_problems(incident: Incident, status: str, resolution: str) -> list[str]:
    if status not in IncidentStatus.values:
        return [f"Choose a status among: {', '.join(IncidentStatus.values)}."]
    problems = []
    if status == IncidentStatus.CLOSED:
        if not resolution.strip():
            problems.append("Say how the incident was resolved before closing it.")
        if incident.report_due_at is not None and incident.reported_at is None:
            problems.append(
                "This incident must be reported to the authority before it is closed "
                "(record the report sent, or reclassify it as a kind that needs no report)."
            )
    return problems


@transaction.atomic
def update_incident(
    *,
    actor: Actor,
    incident: Incident,
    findings: Iterable[Finding] | None = None,
    evidence: Iterable[Evidence] | None = None,
    **changes: Any,
) -> Incident:
    """Change an incident's description, severity, kind, status or linked findings; old and new audited.

    A change of kind recomputes the report deadline from detected_at (unless the report was sent).
    Closing needs a resolution and, for reportable kinds, the report sent. Closed incidents are final.
    """
    incident = Incident.objects.select_for_update().select_related("kind", "asset").get(pk=incident.pk)
    if not _trusted(actor) and not may_handle_incidents(actor.user, incident.asset):
        raise PermissionDenied(
            "Only the asset's owners, validators, approvers and compliance handle incidents."
        )
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed here."))
    if incident.status == IncidentStatus.CLOSED:
        raise IncidentConflict(f"{incident.reference} is closed; a recurrence is a new incident.")
    old = _snapshot(incident)
    kind = changes.pop("kind", None)
    if kind is not None and kind.pk != incident.kind_id:
        if not kind.active:
            raise ValidationError({"kind": f"“{kind.name}” is no longer used for incidents."})
        incident.kind = kind
        if incident.reported_at is None:
            incident.report_due_at = kind.deadline_for(incident.detected_at)
    for name, value in changes.items():
        setattr(incident, name, value.strip() if isinstance(value, str) and name != "status" else value)
    if "status" in changes and changes["status"] != old["status"]:
        problems = _status_problems(incident, incident.status, incident.resolution)
        if problems:
            raise IncidentConflict(f"{incident.reference} cannot be {incident.status} yet.", problems)
        if incident.status == IncidentStatus.CLOSED:
            incident.closed_at = timezone.now()
    if incident.severity not in Severity.values:
        raise ValidationError({"severity": f"Choose one of: {', '.join(Severity.values)}."})
    incident.full_clean(exclude=["metric", "observation"], validate_constraints=False)
    if findings is not None:
        incident.findings.set(_check_findings(incident.asset, findings))
    if evidence is not None:
        incident.evidence.set(_check_evidence(incident.asset, evidence))
    new = _snapshot(incident)
    changed = sorted(k for k in new if new[k] != old[k])
    if not changed:
        return incident
    incident.updated_at = timezone.now()
    incident.save()
    record_event(
        AuditAction.INCIDENT_UPDATED,
        actor=actor,
        obj=incident,
        payload={"old": {k: old[k] for k in changed}, "new": {k: new[k] for k in changed}},
    )
    return incident


@transaction.atomic
def record_report_sent(
    *,
    actor: Actor,
    incident: Incident,
    sent_at: dt.datetime,
    recipient: str,
    reference: str = "",
    notes: str = "",
    file: Any = None,
) -> Incident:
    """Record that the incident was reported to an authority (when, to whom, their reference) with,
    optionally, a copy of the report as an incident file.

    Stops the deadline countdown; one `incident.report_sent` event (and `incident.file_attached` for
    the copy). Refused if already recorded, if sent before detection or in the future.
    """
    incident = Incident.objects.select_for_update().select_related("asset").get(pk=incident.pk)
    if not _trusted(actor) and not may_record_report(actor.user, incident.asset):
        raise PermissionDenied("Only compliance officers, admins or the asset's owners record reports sent.")
    if incident.reported_at is not None:
        raise IncidentConflict(
            f"The report on {incident.reference} was already recorded "
            f"on {incident.reported_at:%Y-%m-%d %H:%M} UTC."
        )
    errors: dict[str, str] = {}
    if not recipient.strip():
        errors["recipient"] = "Name the authority the report was sent to."
    if sent_at > timezone.now() + dt.timedelta(minutes=5):
        errors["sent_at"] = "A report cannot have been sent in the future."
    elif sent_at < incident.detected_at:
        errors["sent_at"] = "The report cannot predate the incident's detection."
    if errors:
        raise ValidationError(errors)
    copy = None
    if file is not None:
        from governance.oversight.incidents.files import attach_incident_file

        copy = attach_incident_file(
            actor=actor, incident=incident, file=file, label="Report sent", purpose=IncidentFilePurpose.REPORT
        )
    incident.reported_at = sent_at
    incident.report_recipient = recipient.strip()
    incident.report_reference = reference.strip()
    incident.report_notes = notes.strip()
    incident.reported_by = actor.user
    incident.reported_by_name = actor.name
    incident.updated_at = timezone.now()
    incident.save()
    record_event(
        AuditAction.INCIDENT_REPORTED,
        actor=actor,
        obj=incident,
        payload={
            "sent_at": sent_at,
            "recipient": incident.report_recipient,
            "reference": incident.report_reference,
            "notes": incident.report_notes,
            "deadline": incident.report_due_at,
            "late": incident.report_due_at is not None and sent_at > incident.report_due_at,
            "copy": {"file": copy.pk, "sha256": copy.sha256} if copy else None,
        },
    )
    return incident
