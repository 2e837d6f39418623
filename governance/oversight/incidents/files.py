"""Files kept with an incident (its evidence, the report sent): checked like evidence, never deleted."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from governance.audit.actors import Actor
from governance.audit.event_types import AuditAction
from governance.audit.ledger import record_event
from governance.evidence.inspection import inspect_upload, safe_display_name
from governance.oversight.incidents.services import may_handle_incidents, may_record_report
from governance.oversight.models.incidents import Incident, IncidentFile, IncidentFilePurpose


@transaction.atomic
def attach_incident_file(
    *, actor: Actor, incident: Incident, file: Any, label: str, purpose: str
) -> IncidentFile:
    """Keep a file about the incident (checked like evidence: size limit, allowed types by content).

    Whoever handles the incident attaches evidence; reports are attached by those who record them.
    Refused before anything is stored; one `incident.file_attached` event with the file's sha256.
    """
    user = actor.user
    allowed = may_record_report if purpose == IncidentFilePurpose.REPORT else may_handle_incidents
    if actor.is_integration or user is None or not allowed(user, incident.asset):
        raise PermissionDenied("You may not attach files to this incident.")
    label = (label or "").strip()
    if not label or len(label) > 200:
        raise ValidationError({"label": "Give the file a label of at most 200 characters."})
    if purpose not in IncidentFilePurpose.values:
        raise ValidationError({"purpose": f"Choose one of: {', '.join(IncidentFilePurpose.values)}."})
    facts = inspect_upload(
        file,
        max_bytes=settings.STEWARD_EVIDENCE_MAX_BYTES,
        allowed_types=settings.STEWARD_EVIDENCE_ALLOWED_TYPES,
    )
    attached = IncidentFile(
        incident=incident,
        purpose=purpose,
        label=label,
        original_name=safe_display_name(getattr(file, "name", "") or "incident-file"),
        content_type=facts.content_type,
        size=facts.size,
        sha256=facts.sha256,
        uploaded_by=user,
        uploaded_by_name=actor.name,
    )
    attached.file.save(secrets.token_hex(16), file, save=False)
    try:  # the file is stored before its row: if writing the row or its event fails, remove the file
        attached.save()
        record_event(
            AuditAction.INCIDENT_FILE_ATTACHED,
            actor=actor,
            obj=incident,
            payload={
                "file": attached.pk,
                "purpose": purpose,
                "label": label,
                "sha256": facts.sha256,
                "size": facts.size,
                "content_type": facts.content_type,
                "original_name": attached.original_name,
            },
        )
    except BaseException:
        attached.file.storage.delete(str(attached.file.name))
        raise
    return attached


@transaction.atomic
def record_file_download(*, actor: Actor, attached: IncidentFile) -> None:
    """Record that `actor` downloaded an incident file (the caller checked they may see the incident)."""
    if actor.user is None or actor.is_integration:
        raise PermissionDenied("Only signed-in people download incident files.")
    record_event(
        AuditAction.INCIDENT_FILE_DOWNLOADED,
        actor=actor,
        obj=attached.incident,
        payload={"file": attached.pk, "sha256": attached.sha256, "label": attached.label},
    )
