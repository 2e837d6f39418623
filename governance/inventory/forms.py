"""Inventory forms: the shape of an asset proposal, an asset edit, a version registration or edit.

Who may do what, prohibited categories, unique slugs and frozen versions are the services' rules;
their errors are shown on these forms by the views.
"""

from __future__ import annotations

from typing import Any

from django import forms

from governance.accounts.models import Team, User
from governance.inventory.models import AiActCategory, Asset, AssetKind, AssetVersion, MaterialityTier
from governance.inventory.services import ASSET_FIELDS, VERSION_FIELDS
from governance.web.forms import CommaListField, JSONObjectField, LinesField
from lifecycle.queries import visible_assets

# Offered so that someone classifying an Art. 5 practice honestly is told why Steward refuses it,
# rather than being unable to say so. The service rejects it with that explanation.
PROHIBITED = "prohibited"
CATEGORY_CHOICES = [*AiActCategory.choices, (PROHIBITED, "Prohibited practice (EU AI Act Art. 5)")]

TEXTAREA = forms.Textarea(attrs={"rows": 3})


class AssetForm(forms.Form):
    """An asset's descriptive fields. On a new asset also its slug and team (fixed afterwards)."""

    slug = forms.SlugField(
        max_length=80,
        help_text="Lower-case letters, digits and hyphens. Used in links; it cannot change later.",
    )
    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=AssetKind.choices)
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(), to_field_name="slug", empty_label=None, help_text="One of your teams."
    )
    purpose = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}))
    intended_use = forms.CharField(required=False, widget=TEXTAREA)
    intended_users = forms.CharField(required=False, widget=TEXTAREA)
    out_of_scope_uses = forms.CharField(required=False, widget=TEXTAREA, label="Out-of-scope uses")
    ai_act_category = forms.ChoiceField(choices=CATEGORY_CHOICES, label="EU AI Act category")
    materiality_tier = forms.TypedChoiceField(choices=MaterialityTier.choices, coerce=int)
    vendor = forms.CharField(
        max_length=200, required=False, help_text="For third-party models: who supplies it."
    )
    tags = CommaListField(required=False, help_text="Separate tags with commas.")
    dependencies = forms.ModelMultipleChoiceField(
        queryset=Asset.objects.none(),
        required=False,
        help_text="Assets this one relies on (datasets, pipelines, upstream models).",
    )

    def __init__(self, *args: Any, user: User, asset: Asset | None = None, **kwargs: Any) -> None:
        if asset is not None:
            kwargs.setdefault("initial", {name: getattr(asset, name) for name in ASSET_FIELDS})
        super().__init__(*args, **kwargs)
        dependencies = visible_assets(user).order_by("name")
        if asset is None:
            self.fields["team"].queryset = user.teams.order_by("name")  # type: ignore[attr-defined]
        else:
            # Slug and team identify the asset; they are not edited.
            del self.fields["slug"], self.fields["team"]
            dependencies = dependencies.exclude(pk=asset.pk)
            self.initial.setdefault(
                "dependencies", list(asset.dependencies.filter(pk__in=dependencies.values("pk")))
            )
        self.fields["dependencies"].queryset = dependencies  # type: ignore[attr-defined]

    def asset_fields(self) -> dict[str, Any]:
        """The cleaned descriptive fields, ready for create_asset / update_asset."""
        return {name: self.cleaned_data[name] for name in ASSET_FIELDS}


class VersionForm(forms.Form):
    """A version's technical identity. The label is set at registration and fixed afterwards."""

    label = forms.CharField(max_length=60, help_text="The version label, e.g. 1.4.0 or 7.")
    description = forms.CharField(required=False, widget=TEXTAREA)
    source_registry = forms.CharField(
        max_length=100, required=False, help_text="Where it lives, e.g. mlflow."
    )
    registry_ref = forms.CharField(
        max_length=500,
        required=False,
        label="Registry reference",
        help_text="The registry's id or URI for this version, e.g. models:/fraud/7.",
    )
    run_id = forms.CharField(max_length=100, required=False, label="Run id")
    artifact_uri = forms.CharField(max_length=1000, required=False, label="Artifact URI")
    artifact_digest = forms.CharField(
        max_length=64,
        required=False,
        label="Artifact digest (SHA-256)",
        help_text="64 lower-case hex characters.",
        widget=forms.TextInput(attrs={"spellcheck": "false"}),
    )
    code_commit = forms.CharField(max_length=64, required=False)
    training_data_refs = LinesField(
        required=False, label="Training data references", help_text="One per line."
    )
    hyperparameters = JSONObjectField(required=False, help_text='A JSON object, e.g. {"max_depth": 6}.')
    metrics = JSONObjectField(required=False, help_text='A JSON object, e.g. {"auc": 0.81}.')

    def __init__(self, *args: Any, version: AssetVersion | None = None, **kwargs: Any) -> None:
        if version is not None:
            kwargs.setdefault("initial", {name: getattr(version, name) for name in VERSION_FIELDS})
        super().__init__(*args, **kwargs)
        if version is not None:
            del self.fields["label"]

    def version_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in VERSION_FIELDS}
