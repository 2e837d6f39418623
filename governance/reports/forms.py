"""Report forms: shape only (the service decides visibility and limits)."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from governance.inventory.models import Asset, AssetVersion
from governance.reports.models import ReportScope

MAX_UPLOAD_BYTES = 200 * 1024 * 1024


class VersionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.asset.name} — {obj.label}"


class ReportRequestForm(forms.Form):
    scope = forms.ChoiceField(choices=ReportScope.choices, initial=ReportScope.VERSION, label="Scope")
    asset = forms.ModelChoiceField(
        queryset=Asset.objects.none(), required=False, label="Asset", empty_label="Choose an asset"
    )
    version = VersionChoiceField(
        queryset=AssetVersion.objects.none(), required=False, label="Version", empty_label="Choose a version"
    )
    events_from = forms.DateTimeField(
        required=False,
        label="Events from (UTC)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    events_until = forms.DateTimeField(
        required=False,
        label="Events until (UTC, excluded)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    as_of = forms.DateTimeField(
        required=False,
        label="As of (UTC, optional)",
        help_text="Reconstruct the state at this past moment from the lifecycle history and the audit trail.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args: Any, assets: Any, versions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["asset"]).queryset = assets
        cast(VersionChoiceField, self.fields["version"]).queryset = versions.select_related("asset").order_by(
            "asset__name", "-created_at"
        )


class VerifyUploadForm(forms.Form):
    file = forms.FileField(label="Report PDF", help_text="A report downloaded from Steward (PDF).")

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than any Steward report (200 MB).")
        return upload
