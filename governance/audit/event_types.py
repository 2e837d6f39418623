"""The registered vocabulary of audit actions: `record_event` refuses anything not listed here.

Names are `<area>.<what happened>`, past tense, stable forever (they are hashed into the chain).
"""

from django.db import models


class AuditAction(models.TextChoices):
    LEDGER_GENESIS = "ledger.genesis", "Ledger created"

    # accounts
    USER_CREATED = "account.user_created", "User created"
    USER_UPDATED = "account.user_updated", "User updated"
    ROLE_GRANTED = "account.role_granted", "Role granted"
    ROLE_REVOKED = "account.role_revoked", "Role revoked"
    TEAM_CREATED = "account.team_created", "Team created"
    TEAM_UPDATED = "account.team_updated", "Team updated"
    MEMBER_ADDED = "account.member_added", "Team member added"
    MEMBER_REMOVED = "account.member_removed", "Team member removed"
    TOKEN_CREATED = "account.token_created", "API token created"
    TOKEN_REVOKED = "account.token_revoked", "API token revoked"

    # inventory
    ASSET_CREATED = "inventory.asset_created", "Asset proposed"
    ASSET_UPDATED = "inventory.asset_updated", "Asset updated"
    VERSION_REGISTERED = "inventory.version_registered", "Version registered"
    VERSION_UPDATED = "inventory.version_updated", "Version updated"

    # lifecycle
    STAGE_CHANGED = "lifecycle.stage_changed", "Stage changed"

    # approvals (lifecycle/approvals)
    POLICY_CREATED = "approval.policy_created", "Approval policy created"
    POLICY_UPDATED = "approval.policy_updated", "Approval policy updated"
    REQUEST_OPENED = "approval.request_opened", "Approval requested"
    DECISION_RECORDED = "approval.decision_recorded", "Approval decision signed"
    REQUEST_CLOSED = "approval.request_closed", "Approval request closed"
    REQUEST_STALE = "approval.request_stale", "Approval request went stale"
    WAIVER_GRANTED = "approval.waiver_granted", "Waiver granted"
    WAIVER_REVOKED = "approval.waiver_revoked", "Waiver revoked"
    REVIEW_OPENED = "approval.review_opened", "Periodic review opened"
    REVIEW_REAFFIRMED = "approval.review_reaffirmed", "Periodic review reaffirmed"
    WAIVER_EXPIRED = "approval.waiver_expired", "Waiver expired"
    REVIEW_RESCHEDULED = "approval.review_rescheduled", "Periodic review rescheduled"

    # oversight: findings, monitoring, incidents
    FINDING_RAISED = "finding.raised", "Finding raised"
    FINDING_UPDATED = "finding.updated", "Finding updated"
    FINDING_STATUS_CHANGED = "finding.status_changed", "Finding status changed"
    FINDING_COMMENTED = "finding.commented", "Finding commented"
    MONITORING_PLAN_UPDATED = "monitoring.plan_updated", "Monitoring plan updated"
    OBSERVATIONS_INGESTED = "monitoring.observations_ingested", "Monitoring observations ingested"
    INCIDENT_OPENED = "incident.opened", "Incident opened"
    INCIDENT_UPDATED = "incident.updated", "Incident updated"
    INCIDENT_REPORTED = "incident.report_sent", "Incident report sent"
    INCIDENT_KIND_UPDATED = "incident.kind_updated", "Incident kind updated"
    INCIDENT_FILE_ATTACHED = "incident.file_attached", "Incident file attached"
    INCIDENT_FILE_DOWNLOADED = "incident.file_downloaded", "Incident file downloaded"

    # documentation, evidence, bias reviews
    TEMPLATE_CREATED = "document.template_created", "Document template created"
    TEMPLATE_UPDATED = "document.template_updated", "Document template updated"
    DOCUMENT_CREATED = "document.created", "Document created"
    DOCUMENT_REVISED = "document.revised", "Document revised"
    DOCUMENT_FINALISED = "document.finalised", "Document marked final"
    EVIDENCE_UPLOADED = "evidence.uploaded", "Evidence uploaded"
    EVIDENCE_SUPERSEDED = "evidence.superseded", "Evidence superseded"
    EVIDENCE_DOWNLOADED = "evidence.downloaded", "Evidence downloaded"
    BIAS_REVIEW_CREATED = "bias_review.created", "Bias review created"
    BIAS_METRICS_RECORDED = "bias_review.metrics_recorded", "Bias metrics recorded"
    BIAS_REVIEW_SIGNED = "bias_review.signed_off", "Bias review signed off"
    BIAS_PREDICTIONS_PURGED = "bias_review.predictions_purged", "Predictions file purged"
    BIAS_REVIEW_UPDATED = "bias_review.updated", "Bias review updated"
    BIAS_PREDICTIONS_UPLOADED = "bias_review.predictions_uploaded", "Predictions file uploaded"
    BIAS_COMPUTATION_FAILED = "bias_review.computation_failed", "Bias metrics computation failed"

    # reports
    REPORT_REQUESTED = "report.requested", "Audit report requested"
    REPORT_GENERATED = "report.generated", "Audit report generated"
    REPORT_FAILED = "report.failed", "Audit report failed"
    REPORT_DOWNLOADED = "report.downloaded", "Audit report downloaded"
    REPORT_CERTIFICATE_ENROLLED = "report.certificate_enrolled", "Report signing certificate enrolled"

    # registry integrations
    CONNECTION_CREATED = "registry.connection_created", "Registry connection created"
    CONNECTION_UPDATED = "registry.connection_updated", "Registry connection updated"
    DELIVERY_PROCESSED = "registry.delivery_processed", "Registry event applied"
    REGISTRY_RECONCILED = "registry.reconciled", "Registry reconciled"
    REGISTRY_MODEL_MAPPED = "registry.model_mapped", "Registered model mapped to an asset"
    OUTBOX_RETRIED = "registry.outbox_retried", "Registry callback retried"
