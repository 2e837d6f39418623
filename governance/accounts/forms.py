"""Account forms: people, teams, role and membership changes, API tokens. Shape only; services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator

from governance.accounts.models import Team, User
from governance.accounts.roles import Role, TokenScope


class PersonForm(forms.Form):
    """A new user with roles, teams and (optionally) an initial password."""

    username = forms.CharField(max_length=150, validators=[UnicodeUsernameValidator()])
    full_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(required=False)
    password = forms.CharField(
        required=False,
        strip=False,
        label="Initial password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Leave empty for a service account that never signs in (issue it API tokens instead).",
    )
    roles = forms.MultipleChoiceField(
        choices=Role.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    teams = forms.ModelMultipleChoiceField(
        queryset=Team.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        to_field_name="slug",
    )

    def clean_password(self) -> str:
        password: str = self.cleaned_data["password"]
        if password:
            candidate = User(
                username=self.data.get("username", ""),
                email=self.data.get("email", ""),
                full_name=self.data.get("full_name", ""),
            )
            validate_password(password, user=candidate)
        return password


class TeamForm(forms.Form):
    slug = forms.SlugField(max_length=60, help_text="Used in links and filters; it cannot change later.")
    name = forms.CharField(max_length=120)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    is_risk_committee = forms.BooleanField(
        required=False,
        label="Risk committee",
        help_text="Members can satisfy a policy's “at least one approver from a risk committee”.",
    )

    def __init__(self, *args: Any, team: Team | None = None, **kwargs: Any) -> None:
        if team is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": team.name,
                    "description": team.description,
                    "is_risk_committee": team.is_risk_committee,
                },
            )
        super().__init__(*args, **kwargs)
        if team is not None:
            del self.fields["slug"]


class RoleChangeForm(forms.Form):
    action = forms.ChoiceField(choices=[("grant", "Grant"), ("revoke", "Revoke")])
    role = forms.ChoiceField(choices=Role.choices)


class MembershipChangeForm(forms.Form):
    action = forms.ChoiceField(choices=[("add", "Add"), ("remove", "Remove")])
    team = forms.ModelChoiceField(queryset=Team.objects.all(), to_field_name="slug", required=False)
    user = forms.ModelChoiceField(queryset=User.objects.all(), to_field_name="username", required=False)


class TokenForm(forms.Form):
    """A new API token. Administrators may issue one for another user (e.g. a service account)."""

    name = forms.CharField(
        max_length=100, help_text="Where the token is used, e.g. “MLflow webhook” or “CI”."
    )
    scope = forms.ChoiceField(choices=TokenScope.choices, initial=TokenScope.READ)
    expires_in_days = forms.IntegerField(
        min_value=1, max_value=366, label="Expires after (days)", initial=settings.STEWARD_TOKEN_DEFAULT_DAYS
    )
    user = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("username"),
        to_field_name="username",
        required=False,
        label="Issue for",
        help_text="Leave empty to issue the token for yourself.",
    )

    def __init__(self, *args: Any, may_issue_for_others: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not may_issue_for_others:
            del self.fields["user"]
