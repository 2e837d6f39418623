"""Connection forms: shape only; the connection services decide what is allowed and stored."""

from __future__ import annotations

from typing import Any

from django import forms

from governance.accounts.models import Team, User
from governance.integrations.models import RegistryConnection
from governance.inventory.models import Asset


class ConnectionForm(forms.ModelForm):
    callback_token = forms.CharField(
        required=False,
        widget=forms.PasswordInput(render_value=False),
        max_length=2000,
        help_text="Credential Steward uses to tag versions in the registry (write-only; blank keeps it).",
    )
    production_aliases = forms.CharField(
        max_length=500,
        initial="production",
        help_text="Comma-separated registry aliases that mean “in production”.",
    )

    class Meta:
        model = RegistryConnection
        fields = [
            "name",
            "kind",
            "registry_url",
            "callback_auth",
            "team",
            "default_owner",
            "service_user",
            "mapping",
            "default_ai_act_category",
            "default_materiality_tier",
            "approved_alias",
            "manage_production_alias",
            "enabled",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = Team.objects.order_by("name")  # type: ignore[attr-defined]
        active = User.objects.filter(is_active=True).order_by("username")
        self.fields["default_owner"].queryset = active  # type: ignore[attr-defined]
        self.fields["service_user"].queryset = active  # type: ignore[attr-defined]
        if self.instance.pk:
            self.fields["kind"].disabled = True
            self.initial["production_aliases"] = ", ".join(self.instance.production_aliases)

    def clean_production_aliases(self) -> list[str]:
        return [a.strip() for a in self.cleaned_data["production_aliases"].split(",") if a.strip()]

    def _post_clean(self) -> None:
        # Model validation runs in the service (with the connection's full rules), not here.
        pass

    def settings(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if k != "callback_token"}
        if self.instance.pk:
            data.pop("kind", None)
        return data


class MapModelForm(forms.Form):
    asset = forms.ModelChoiceField(
        queryset=Asset.objects.none(), help_text="An asset of the connection's team."
    )

    def __init__(self, *args: Any, team_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["asset"].queryset = Asset.objects.filter(team_id=team_id).order_by("name")  # type: ignore[attr-defined]
