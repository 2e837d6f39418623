"""Incident records: kinds with reporting deadlines, incidents, and the deadline reminders sent.

Reporting deadlines follow EU AI Act Art. 73: a serious incident is reported within 15 days of
becoming aware of it, within 10 days in the event of a death, and within 2 days for a widespread
infringement or a serious and irreversible disruption of critical infrastructure. The kinds are data
(seeded by a migration, editable by administrators); an incident keeps the deadline it was given
when it was classified, so editing a kind never moves a deadline already running.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from governance.oversight.models.findings import Severity


class IncidentKind(models.Model):
    """A kind of incident and, if it must be reported to an authority, within how many days."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    legal_basis = models.CharField(max_length=200, blank=True, help_text="e.g. EU AI Act Art. 73(2).")
    reportable = models.BooleanField(
        default=False, help_text="Incidents of this kind must be reported to a market surveillance authority."
    )
    report_within_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Days from awareness (detection) to the report deadline."
    )
    active = models.BooleanField(default=True, help_text="Inactive kinds cannot be chosen for new incidents.")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reportable=False)
                | Q(report_within_days__isnull=False, report_within_days__gte=1),
                name="incident_kind_reportable_has_deadline",
                violation_error_message="A reportable kind needs a deadline in days (1 or more).",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def deadline_for(self, aware_at: dt.datetime) -> dt.datetime | None:
        """The report deadline of an incident of this kind that Steward became aware of at `aware_at`."""
        if not self.reportable or self.report_within_days is None:
            return None
        return aware_at + dt.timedelta(days=self.report_within_days)


class IncidentStatus(models.TextChoices):
    OPEN = "open", "Open"
    INVESTIGATING = "investigating", "Investigating"
    MITIGATED = "mitigated", "Mitigated"
    CLOSED = "closed", "Closed"


# Statuses in which an incident still counts against its version.
ACTIVE_INCIDENT_STATUSES = frozenset(
    {IncidentStatus.OPEN, IncidentStatus.INVESTIGATING, IncidentStatus.MITIGATED}
)


class IncidentQuerySet(models.QuerySet["Incident"]):
    def active(self) -> IncidentQuerySet:
        return self.filter(status__in=ACTIVE_INCIDENT_STATUSES)

    def report_pending(self) -> IncidentQuerySet:
        """Incidents that must still be reported (a deadline is set and no report was sent)."""
        return self.filter(report_due_at__isnull=False, reported_at__isnull=True)

    def overdue(self, now: dt.datetime | None = None) -> IncidentQuerySet:
        return self.report_pending().filter(report_due_at__lt=now or timezone.now())


class Incident(models.Model):
    """Something that went wrong with an asset in use, tracked to closure and, if reportable, reported.

    `report_due_at` is set from the kind when the incident is classified (detected_at + the kind's days);
    it is empty for kinds that need no report. An incident is overdue while a report is due, unsent,
    and the deadline has passed.
    """

    asset = models.ForeignKey("inventory.Asset", on_delete=models.PROTECT, related_name="incidents")
    version = models.ForeignKey(
        "inventory.AssetVersion", null=True, blank=True, on_delete=models.PROTECT, related_name="incidents"
    )
    kind = models.ForeignKey(IncidentKind, on_delete=models.PROTECT, related_name="incidents")
    severity = models.CharField(max_length=10, choices=Severity.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=IncidentStatus.choices, default=IncidentStatus.OPEN)
    detected_at = models.DateTimeField(help_text="When Steward or a person became aware of the incident.")
    report_due_at = models.DateTimeField(null=True, blank=True)
    # The monitoring breach that opened it, when it came from monitoring.
    metric = models.ForeignKey(
        "oversight.WatchedMetric", null=True, blank=True, on_delete=models.PROTECT, related_name="incidents"
    )
    observation = models.ForeignKey(
        "oversight.Observation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    findings = models.ManyToManyField("oversight.Finding", blank=True, related_name="incidents")
    # Evidence already attached to the asset's versions; files about the incident itself are IncidentFiles.
    evidence = models.ManyToManyField("evidence.Evidence", blank=True, related_name="incidents")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    opened_by_name = models.CharField(max_length=200)
    # The report to the authority, once sent.
    reported_at = models.DateTimeField(null=True, blank=True)
    report_recipient = models.CharField(max_length=200, blank=True)
    report_reference = models.CharField(max_length=200, blank=True)
    report_notes = models.TextField(blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reported_by_name = models.CharField(max_length=200, blank=True)
    resolution = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-detected_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(severity__in=Severity.values), name="incident_known_severity"),
            models.CheckConstraint(
                condition=Q(status__in=IncidentStatus.values), name="incident_known_status"
            ),
            models.CheckConstraint(
                condition=Q(reported_at__isnull=True) | ~Q(report_recipient=""),
                name="incident_report_names_recipient",
            ),
            models.CheckConstraint(
                condition=~Q(status=IncidentStatus.CLOSED) | Q(closed_at__isnull=False),
                name="incident_closed_has_time",
            ),
            # One active incident per breached metric: later breaches join it instead of opening more.
            models.UniqueConstraint(
                fields=["metric"],
                condition=Q(metric__isnull=False, status__in=sorted(ACTIVE_INCIDENT_STATUSES)),
                name="incident_one_active_per_metric",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "report_due_at"], name="incident_deadline"),
            models.Index(fields=["version", "status"], name="incident_version_status"),
            models.Index(fields=["asset", "status"], name="incident_asset_status"),
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("oversight:incident", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"INC-{self.pk:05d}" if self.pk else "INC-new"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_INCIDENT_STATUSES

    def is_overdue(self, now: dt.datetime | None = None) -> bool:
        if self.report_due_at is None or self.reported_at is not None:
            return False
        return (now or timezone.now()) > self.report_due_at


class IncidentReminder(models.Model):
    """One deadline reminder for one incident: the row is written first, the email sent by a task.

    Unique per (incident, hours before the deadline, deadline), so the periodic sweep may run any
    number of times and each reminder goes out once; a changed deadline gets its own reminders.
    """

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="reminders")
    hours_before = models.IntegerField(help_text="0 means the deadline has passed (an overdue notice).")
    due_at = models.DateTimeField(help_text="The deadline this reminder is about.")
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    recipients = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "hours_before", "due_at"], name="incident_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"Reminder for {self.incident_id} ({self.hours_before} h before {self.due_at:%Y-%m-%d %H:%M})"


class IncidentFilePurpose(models.TextChoices):
    EVIDENCE = "evidence", "Evidence"
    REPORT = "report", "Report sent to the authority"


def incident_file_path(instance: IncidentFile, filename: str) -> str:
    """Storage names never come from the uploader: incidents / incident id / a random name."""
    return f"incidents/{instance.incident_id}/{filename}"


class IncidentFile(models.Model):
    """A file about an incident (its evidence, or the report sent): hashed, typed by content, never deleted.

    Incidents happen to versions whose own evidence is frozen with their approval, so the incident keeps
    its files itself; they are checked like evidence uploads (size limit, allowed types by content).
    """

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="files")
    purpose = models.CharField(max_length=10, choices=IncidentFilePurpose.choices)
    label = models.CharField(max_length=200)
    file = models.FileField(upload_to=incident_file_path, max_length=300)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120, help_text="Detected from the content, not the name.")
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_by_name = models.CharField(max_length=200)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0), name="incident_file_not_empty"),
            models.CheckConstraint(
                condition=Q(purpose__in=IncidentFilePurpose.values), name="incident_file_known_purpose"
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def get_absolute_url(self) -> str:
        return reverse("oversight:incident_file", args=[self.incident_id, self.pk])
