"""Monitoring plan form: one row per watched metric. Forms check shape; the plan service decides rules."""

from __future__ import annotations

from typing import Any

from django import forms

from governance.oversight.models.monitoring import Direction, MetricKind, MonitoringPlan


class PlanNotesForm(forms.Form):
    notes = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=10_000,
        help_text="How the version is monitored: data sources, cadence, who watches the alerts.",
    )


class MetricForm(forms.Form):
    """One watched metric. A row left without a key is ignored (the blank rows for adding metrics)."""

    key = forms.CharField(
        max_length=64, required=False, help_text="What observations call it, e.g. auc or psi_income."
    )
    name = forms.CharField(max_length=200, required=False, help_text="Shown on charts; defaults to the key.")
    kind = forms.ChoiceField(choices=[("", "—"), *MetricKind.choices], required=False)
    feature = forms.CharField(
        max_length=200,
        required=False,
        help_text="Drift, data quality: the feature. Fairness: the protected attribute.",
    )
    direction = forms.ChoiceField(choices=[("", "—"), *Direction.choices], required=False)
    warning_threshold = forms.FloatField(required=False)
    breach_threshold = forms.FloatField(required=False)
    unit = forms.CharField(max_length=30, required=False)
    suspend_on_breach = forms.BooleanField(
        required=False,
        label="Suspend on breach",
        help_text="A breach suspends the version while it is deployed.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("key") and not self.cleaned_data.get("DELETE"):
            for name in ("kind", "direction", "breach_threshold"):
                if data.get(name) in (None, ""):
                    self.add_error(name, "Required for a watched metric.")
        return data


class BaseMetricFormSet(forms.BaseFormSet):
    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Remove this metric"


MetricFormSet = forms.formset_factory(
    MetricForm, formset=BaseMetricFormSet, extra=2, can_delete=True, max_num=50, absolute_max=60
)


def initial_metrics(plan: MonitoringPlan | None) -> list[dict[str, Any]]:
    if plan is None:
        return []
    return [
        {
            "key": m.key,
            "name": m.name,
            "kind": m.kind,
            "feature": m.feature,
            "direction": m.direction,
            "warning_threshold": m.warning_threshold,
            "breach_threshold": m.breach_threshold,
            "unit": m.unit,
            "suspend_on_breach": m.suspend_on_breach,
        }
        for m in plan.metrics.all()
    ]


def submitted_metrics(formset: Any) -> list[dict[str, Any]]:
    """The rows to keep: those with a key and not marked for deletion."""
    rows = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data or not data.get("key") or data.get("DELETE"):
            continue
        rows.append({k: v for k, v in data.items() if k != "DELETE"})
    return rows
