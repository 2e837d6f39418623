"""AuditReport: one requested PDF audit package and the job that renders it (DESIGN §5).

The row is written first (queued); a worker claims it with a compare-and-set update (a fresh
`claim_token` and a lease), renders, and marks it done with the same token. A row can therefore be
finished by exactly one claim, whatever happens to the task messages.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class ReportScope(models.TextChoices):
    VERSION = "version", "One version"
    ASSET = "asset", "One asset and its versions"
    INVENTORY = "inventory", "The whole inventory"
    EVENTS = "events", "Audit events in a date range"


class ReportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RENDERING = "rendering", "Rendering"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


FINISHED_STATUSES = frozenset({ReportStatus.DONE, ReportStatus.FAILED})


class AuditReport(models.Model):
    """A requested audit PDF: its scope, who asked, and the state of its rendering job."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    scope = models.CharField(max_length=12, choices=ReportScope.choices)
    asset = models.ForeignKey(
        "inventory.Asset", null=True, blank=True, on_delete=models.PROTECT, related_name="audit_reports"
    )
    version = models.ForeignKey(
        "inventory.AssetVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_reports",
    )
    events_from = models.DateTimeField(
        null=True, blank=True, help_text="Events scope: first instant (inclusive)."
    )
    events_until = models.DateTimeField(null=True, blank=True, help_text="Events scope: end (exclusive).")
    as_of = models.DateTimeField(null=True, blank=True, help_text="Reconstruct the state at this past time.")
    title = models.CharField(max_length=300, help_text="What the report covers, as shown on its cover.")

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_by_name = models.CharField(max_length=200, help_text="Snapshot of the requester's name.")
    requested_via = models.CharField(max_length=200, help_text="The actor that asked (user or token).")
    requested_at = models.DateTimeField(default=timezone.now)
    enqueued_at = models.DateTimeField(default=timezone.now, help_text="Last time a task was sent for it.")

    status = models.CharField(max_length=12, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done, for the progress bar.")
    progress_note = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True, help_text="Why the rendering failed, in words for the requester.")

    file_name = models.CharField(max_length=300, blank=True, help_text="Storage name of the signed PDF.")
    sha256 = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the signed PDF.")
    size_bytes = models.BigIntegerField(null=True, blank=True)
    page_count = models.PositiveIntegerField(null=True, blank=True)
    bundle_sha256 = models.CharField(max_length=64, blank=True)
    event_count = models.PositiveIntegerField(null=True, blank=True)
    chain_id = models.CharField(max_length=32, blank=True)
    checkpoint_size = models.BigIntegerField(null=True, blank=True)
    chain_head = models.CharField(max_length=64, blank=True)
    signer_fingerprint = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [
            models.Index(fields=["requested_by", "-requested_at"]),
            models.Index(fields=["status", "lease_expires_at"]),
            models.Index(fields=["version", "-requested_at"]),
            models.Index(fields=["asset", "-requested_at"]),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(scope__in=ReportScope.values), name="report_known_scope"),
            models.CheckConstraint(condition=Q(status__in=ReportStatus.values), name="report_known_status"),
            models.CheckConstraint(
                condition=(
                    Q(scope=ReportScope.VERSION, version__isnull=False, asset__isnull=False)
                    | Q(scope=ReportScope.ASSET, version__isnull=True, asset__isnull=False)
                    | Q(
                        scope__in=[ReportScope.INVENTORY, ReportScope.EVENTS],
                        version__isnull=True,
                        asset__isnull=True,
                    )
                ),
                name="report_scope_objects",
            ),
            models.CheckConstraint(
                condition=~Q(scope=ReportScope.EVENTS)
                | Q(
                    events_from__isnull=False,
                    events_until__isnull=False,
                    events_from__lt=models.F("events_until"),
                ),
                name="report_events_range",
            ),
            models.CheckConstraint(
                condition=~Q(status=ReportStatus.DONE) | (~Q(sha256="") & ~Q(file_name="")),
                name="report_done_has_file",
            ),
            models.CheckConstraint(
                condition=~Q(status=ReportStatus.FAILED) | ~Q(error=""), name="report_failed_has_error"
            ),
            models.CheckConstraint(condition=Q(progress__lte=100), name="report_progress_percent"),
        ]

    def __str__(self) -> str:
        return f"Audit report {str(self.id)[:8]}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("reports:detail", args=[self.pk])

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES

    @property
    def download_name(self) -> str:
        stamp = (self.finished_at or self.requested_at).strftime("%Y%m%d-%H%M")
        return f"steward-audit-{self.scope}-{str(self.pk)[:8]}-{stamp}.pdf"
