"""Incident kinds: administrators add and change them; running deadlines never move."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from governance.accounts.roles import Role
from governance.audit.actors import Actor
from governance.audit.event_types import AuditAction
from governance.audit.ledger import record_event
from governance.oversight.models.incidents import IncidentKind

KIND_FIELDS = ("name", "description", "legal_basis", "reportable", "report_within_days", "active")

# EU AI Act Art. 73 reporting deadlines, and the internal kind monitoring breaches open as.
DEFAULT_KINDS: tuple[dict[str, Any], ...] = (
    {
        "slug": "serious-incident",
        "name": "Serious incident",
        "description": "An incident or malfunction that directly or indirectly led to serious harm to "
        "health, fundamental rights, property or the environment. Report once a causal link is established, "
        "and in any event within 15 days of becoming aware of it.",
        "legal_basis": "EU AI Act Art. 73(2)",
        "reportable": True,
        "report_within_days": 15,
    },
    {
        "slug": "death",
        "name": "Serious incident: death of a person",
        "description": "A serious incident that caused, or may have caused, the death of a person.",
        "legal_basis": "EU AI Act Art. 73(4)",
        "reportable": True,
        "report_within_days": 10,
    },
    {
        "slug": "widespread-infringement",
        "name": "Serious incident: widespread infringement",
        "description": "A widespread infringement of Union law protecting fundamental rights.",
        "legal_basis": "EU AI Act Art. 73(3)",
        "reportable": True,
        "report_within_days": 2,
    },
    {
        "slug": "critical-infrastructure",
        "name": "Serious incident: critical infrastructure",
        "description": "A serious and irreversible disruption of the management or operation of critical "
        "infrastructure.",
        "legal_basis": "EU AI Act Art. 73(3), Art. 3(49)(b)",
        "reportable": True,
        "report_within_days": 2,
    },
    {
        "slug": "monitoring-breach",
        "name": "Monitoring threshold breach",
        "description": "A watched metric crossed its breach threshold. Opened by monitoring; reclassify it "
        "if triage finds a serious incident (the deadline then counts from its detection).",
        "legal_basis": "",
        "reportable": False,
        "report_within_days": None,
    },
)


def ensure_default_kinds() -> int:
    """Create the default kinds that are missing (never changing existing ones); returns how many.

    Reference data, like a migration's: run after every migrate (post_migrate), so an installation,
    and a test database flushed between tests, always has them. Later edits go through
    save_incident_kind() and are audited.
    """
    existing = set(IncidentKind.objects.values_list("slug", flat=True))
    missing = [IncidentKind(**kind) for kind in DEFAULT_KINDS if kind["slug"] not in existing]
    IncidentKind.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


def _require_admin(actor: Actor) -> None:
    if actor.kind != "system" and not (actor.user and actor.user.has_role(Role.ADMIN)):
        raise PermissionDenied("Only administrators edit incident kinds.")


def _kind_snapshot(kind: IncidentKind) -> dict[str, Any]:
    return {name: getattr(kind, name) for name in KIND_FIELDS}


@transaction.atomic
def save_incident_kind(
    *, actor: Actor, kind: IncidentKind | None = None, slug: str = "", **fields: Any
) -> IncidentKind:
    """Create (slug given) or change an incident kind; admins only; old and new values audited.

    A change never moves deadlines already set on incidents: they keep the deadline they were given.
    """
    _require_admin(actor)
    unknown = set(fields) - set(KIND_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "Unknown field."))
    if kind is None:
        if IncidentKind.objects.filter(slug=slug).exists():
            raise ValidationError({"slug": "An incident kind with this slug already exists."})
        kind, old = IncidentKind(slug=slug), None
    else:
        kind = IncidentKind.objects.select_for_update().get(pk=kind.pk)
        old = _kind_snapshot(kind)
    for name, value in fields.items():
        setattr(kind, name, value.strip() if isinstance(value, str) else value)
    if not kind.reportable:
        kind.report_within_days = None
    elif not kind.report_within_days:
        raise ValidationError(
            {"report_within_days": "A reportable kind needs a deadline in days (1 or more)."}
        )
    kind.full_clean()
    new = _kind_snapshot(kind)
    if old == new:
        return kind
    kind.updated_at = timezone.now()
    kind.save()
    record_event(
        AuditAction.INCIDENT_KIND_UPDATED,
        actor=actor,
        obj=kind,
        payload={"slug": kind.slug, "old": old, "new": new},
    )
    return kind
