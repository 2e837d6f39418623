"""Incident forms. They check shape; the incident services decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from governance.evidence.models import Evidence
from governance.oversight.models.findings import Finding, Severity
from governance.oversight.models.incidents import IncidentKind, IncidentStatus


class KindChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        kind: IncidentKind = obj
        if kind.reportable:
            return f"{kind.name} — report within {kind.report_within_days} days"
        return f"{kind.name} — no report to an authority"


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class IncidentForm(forms.Form):
    kind = KindChoiceField(queryset=IncidentKind.objects.filter(active=True).order_by("name"))
    severity = forms.ChoiceField(choices=Severity.choices, initial=Severity.HIGH)
    title = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}), max_length=20_000)
    detected_at = forms.DateTimeField(
        required=False,
        widget=DateTimeInput(),
        help_text="When you became aware of it (UTC); empty means now. The report deadline counts from here.",
    )
    findings = forms.ModelMultipleChoiceField(
        queryset=Finding.objects.none(),
        required=False,
        help_text="Findings about this asset that relate to it.",
    )

    def __init__(self, *args: Any, findings: QuerySet[Finding] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        findings_field: forms.ModelMultipleChoiceField = self.fields["findings"]  # type: ignore[assignment]
        choices = findings if findings is not None else Finding.objects.none()
        findings_field.queryset = choices
        if not choices.exists():
            del self.fields["findings"]


class EvidenceChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.label} ({obj.version.label}, {obj.original_name})"


class IncidentUpdateForm(forms.Form):
    """Status, severity, kind and texts; findings and evidence chosen among the asset's own."""

    status = forms.ChoiceField(choices=IncidentStatus.choices)
    severity = forms.ChoiceField(choices=Severity.choices)
    kind = KindChoiceField(
        queryset=IncidentKind.objects.filter(active=True).order_by("name"),
        help_text="Reclassifying recomputes the report deadline from the detection time.",
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=20_000)
    resolution = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=20_000,
        help_text="Required to close: what was done and why it is over.",
    )
    findings = forms.ModelMultipleChoiceField(queryset=Finding.objects.none(), required=False)
    evidence = EvidenceChoiceField(
        queryset=Evidence.objects.none(), required=False, help_text="Evidence files of this asset's versions."
    )

    def __init__(self, *args: Any, asset: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        findings: forms.ModelMultipleChoiceField = self.fields["findings"]  # type: ignore[assignment]
        evidence: forms.ModelMultipleChoiceField = self.fields["evidence"]  # type: ignore[assignment]
        findings.queryset = Finding.objects.filter(asset=asset).order_by("-created_at")
        evidence.queryset = (
            Evidence.objects.filter(asset=asset).select_related("version").order_by("-uploaded_at")
        )


class ReportSentForm(forms.Form):
    sent_at = forms.DateTimeField(widget=DateTimeInput(), help_text="When the report left (UTC).")
    recipient = forms.CharField(
        max_length=200, help_text="The authority, e.g. the market surveillance authority."
    )
    reference = forms.CharField(
        max_length=200, required=False, help_text="The authority's reference, if any."
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), max_length=20_000)
    copy = forms.FileField(
        required=False, label="Copy of the report", help_text="Kept with the incident, hashed."
    )


class IncidentFileForm(forms.Form):
    label = forms.CharField(max_length=200)
    file = forms.FileField()


class IncidentFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False, choices=[("", "Any"), ("active", "Active (not closed)"), *IncidentStatus.choices]
    )
    kind = forms.ModelChoiceField(
        required=False,
        queryset=IncidentKind.objects.order_by("name"),
        to_field_name="slug",
        empty_label="Any",
    )
    severity = forms.ChoiceField(required=False, choices=[("", "Any"), *Severity.choices])
    overdue = forms.BooleanField(required=False, label="Overdue reports only")
    pending = forms.BooleanField(required=False, label="Reports due, not yet overdue")
    asset = forms.SlugField(required=False, widget=forms.HiddenInput)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)


class IncidentKindForm(forms.ModelForm):
    class Meta:
        model = IncidentKind
        fields = ["slug", "name", "description", "legal_basis", "reportable", "report_within_days", "active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["slug"]

    def validate_unique(self) -> None:
        """Uniqueness is answered by the service (with a field error)."""
