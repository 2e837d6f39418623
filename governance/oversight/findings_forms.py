"""Forms of the findings pages (shape only; the services decide what is allowed)."""

from __future__ import annotations

from django import forms

from governance.accounts.models import User
from governance.oversight.models import FindingStatus, Severity


class FindingForm(forms.Form):
    title = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 4}))
    severity = forms.ChoiceField(choices=Severity.choices, initial=Severity.MEDIUM)
    due_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))


class FindingEditForm(FindingForm):
    owner = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("username"), required=False
    )


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=FindingStatus.choices)
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)
    accepted_until = forms.DateField(
        label="Risk accepted until", required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Only for a risk acceptance.",
    )  # fmt: skip


class CommentForm(forms.Form):
    body = forms.CharField(label="Comment", widget=forms.Textarea(attrs={"rows": 3}), max_length=8000)


class LinkForm(forms.Form):
    kind = forms.ChoiceField(choices=[("version", "Version (id)"), ("evidence", "Evidence (id)")])
    object_id = forms.IntegerField(min_value=1, label="Id")


class FindingFilterForm(forms.Form):
    status = forms.ChoiceField(
        choices=[("", "Any status"), ("unresolved", "Unresolved"), *FindingStatus.choices], required=False
    )
    severity = forms.ChoiceField(choices=[("", "Any severity"), *Severity.choices], required=False)
    mine = forms.BooleanField(label="Owned by me", required=False)
    overdue = forms.BooleanField(label="Overdue", required=False)
