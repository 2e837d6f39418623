"""Forms of the approvals UI. They validate shape only; the services decide what is allowed."""

from __future__ import annotations

from typing import Any

from django import forms

from governance.accounts.models import Team
from governance.accounts.roles import Role
from governance.inventory.models import AiActCategory, MaterialityTier
from lifecycle.gates import Gate
from lifecycle.models import Meaning, Purpose, RequestStatus

CONDITION_ROWS = 3


class DecisionForm(forms.Form):
    """Decide form: meaning, comment, up to three conditions, the digest seen and the password."""

    meaning = forms.ChoiceField(choices=Meaning.choices, widget=forms.RadioSelect, initial=Meaning.APPROVE)
    comment = forms.CharField(
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required for anything but a plain approval.",
    )
    digest_seen = forms.CharField(max_length=64, widget=forms.HiddenInput)
    password = forms.CharField(
        label="Your password (electronic signature)",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Re-enter your password to sign. Your name, role, meaning and the time are recorded.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n in range(1, CONDITION_ROWS + 1):
            self.fields[f"condition_{n}_title"] = forms.CharField(
                label=f"Condition {n}", required=False, max_length=200
            )
            self.fields[f"condition_{n}_due"] = forms.DateField(
                label=f"Condition {n} due", required=False, widget=forms.DateInput(attrs={"type": "date"})
            )

    def conditions(self) -> list[dict[str, Any]]:
        rows = []
        for n in range(1, CONDITION_ROWS + 1):
            title = self.cleaned_data.get(f"condition_{n}_title", "")
            due = self.cleaned_data.get(f"condition_{n}_due")
            if title or due:
                rows.append({"title": title, "due_date": due})
        return rows

    def condition_rows(self) -> list[tuple[Any, Any]]:
        return [
            (self[f"condition_{n}_title"], self[f"condition_{n}_due"]) for n in range(1, CONDITION_ROWS + 1)
        ]


class RequestFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "Any status"), *RequestStatus.choices], required=False)
    purpose = forms.ChoiceField(choices=[("", "Any purpose"), *Purpose.choices], required=False)
    category = forms.ChoiceField(choices=[("", "Any category"), *AiActCategory.choices], required=False)
    mine = forms.BooleanField(label="Waiting for my decision", required=False)


class WaiverForm(forms.Form):
    gate = forms.ChoiceField(choices=Gate.choices)
    justification = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    expires_at = forms.DateTimeField(
        label="Expires (UTC)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class PolicyForm(forms.Form):
    """A whole policy version: its scope and intervals, and one rule per purpose (prefixed fields)."""

    key = forms.SlugField(max_length=60, help_text="Stable name; cannot change later.")
    name = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    ai_act_category = forms.ChoiceField(
        choices=[("", "Any category"), *AiActCategory.choices], required=False
    )
    materiality_tier = forms.TypedChoiceField(
        choices=[("", "Any tier"), *MaterialityTier.choices], required=False, coerce=int, empty_value=None
    )
    approval_validity_days = forms.IntegerField(min_value=1, max_value=3650, initial=90)
    review_interval_months = forms.IntegerField(min_value=1, max_value=120, initial=12)
    required_evidence = forms.CharField(
        required=False, help_text="Evidence kinds, comma-separated (for the required-evidence gate)."
    )
    is_active = forms.BooleanField(required=False, initial=True, label="Active (matches assets)")
    note = forms.CharField(label="Change note", required=False, max_length=2000)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            self.fields["key"].disabled = True
        for purpose, label in Purpose.choices:
            p = f"{purpose}_"
            self.fields[p + "quorum"] = forms.IntegerField(
                label=f"{label}: quorum", min_value=1, max_value=25, initial=1
            )
            self.fields[p + "min_risk_committee"] = forms.IntegerField(
                label="of whom from a risk committee", min_value=0, max_value=25, initial=0
            )
            self.fields[p + "required_role"] = forms.ChoiceField(
                label="Deciders' role", choices=Role.choices, initial=Role.APPROVER
            )
            self.fields[p + "named_team"] = forms.ModelChoiceField(
                label="At least one from team", queryset=Team.objects.order_by("name"), required=False
            )
            self.fields[p + "named_role"] = forms.ChoiceField(
                label="At least one holding role", choices=[("", "—"), *Role.choices], required=False
            )
            self.fields[p + "gates"] = forms.MultipleChoiceField(
                label="Gates", choices=Gate.choices, required=False, widget=forms.CheckboxSelectMultiple
            )

    def rule_groups(self) -> list[tuple[str, list[Any]]]:
        names = ["quorum", "min_risk_committee", "required_role", "named_team", "named_role", "gates"]
        return [(label, [self[f"{purpose}_{n}"] for n in names]) for purpose, label in Purpose.choices]

    def base_fields_bound(self) -> list[Any]:
        names = [
            "key", "name", "description", "ai_act_category", "materiality_tier", "approval_validity_days",
            "review_interval_months", "required_evidence", "is_active", "note",
        ]  # fmt: skip
        return [self[n] for n in names]
