"""Read side of the ledger: filtered event lists for the audit-trail page, the API and reports."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.db.models import QuerySet

from governance.audit.models import AuditEvent, Checkpoint, VerificationRun


def filter_events(
    *,
    object_type: str = "",
    object_id: str = "",
    actor: str = "",
    action: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditEvent]:
    """Events matching every given filter, newest first. `actor` matches the actor's id or name."""
    qs = AuditEvent.objects.all()
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    if actor:
        qs = qs.filter(models.Q(actor_name__iexact=actor) | models.Q(actor_id=actor))
    if action:
        qs = qs.filter(action__startswith=action) if action.endswith(".") else qs.filter(action=action)
    if since:
        qs = qs.filter(time__gte=since)
    if until:
        qs = qs.filter(time__lt=until)
    return qs.order_by("-seq")


def events_about(obj: models.Model) -> QuerySet[AuditEvent]:
    return filter_events(object_type=obj._meta.label_lower, object_id=str(obj.pk))


def latest_verification() -> VerificationRun | None:
    return VerificationRun.objects.order_by("-finished_at").first()


def latest_checkpoints(limit: int = 5) -> QuerySet[Checkpoint]:
    return Checkpoint.objects.order_by("-size")[:limit]
