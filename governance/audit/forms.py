"""The audit-trail filter form: object, actor, action (or a whole area) and a date range, in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django import forms

from governance.audit.event_types import AuditAction

# Object types people filter by most; any other type can still be typed in.
COMMON_OBJECT_TYPES = {
    "inventory.asset": "Asset",
    "inventory.assetversion": "Version",
    "accounts.user": "User",
    "accounts.team": "Team",
    "accounts.apitoken": "API token",
}


def _action_choices() -> list[tuple[str, Any]]:
    """Actions grouped by area; each group starts with "any <area> event" (a prefix ending in '.')."""
    areas: dict[str, list[tuple[str, str]]] = {}
    for value, label in AuditAction.choices:
        areas.setdefault(str(value).split(".")[0], []).append((str(value), str(label)))
    choices: list[tuple[str, Any]] = [("", "Any action")]
    for area, actions in areas.items():
        name = area.replace("_", " ")
        choices.append((name.capitalize(), [(f"{area}.", f"Any {name} event"), *actions]))
    return choices


class EventFilterForm(forms.Form):
    object_type = forms.CharField(
        max_length=64,
        required=False,
        widget=forms.TextInput(attrs={"list": "object-types", "spellcheck": "false"}),
        help_text="e.g. inventory.assetversion",
    )
    object_id = forms.CharField(max_length=64, required=False, label="Object id")
    actor = forms.CharField(max_length=200, required=False, help_text="Username, token or id.")
    action = forms.ChoiceField(choices=_action_choices, required=False)
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}), help_text="Inclusive."
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date is before the start date.")
        return cleaned

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for governance.audit.queries.filter_events (dates become UTC bounds)."""
        if not self.is_bound or not self.is_valid():
            return {}
        data = self.cleaned_data
        return {
            "object_type": data["object_type"].strip(),
            "object_id": data["object_id"].strip(),
            "actor": data["actor"].strip(),
            "action": data["action"],
            "since": _start_of(data["since"]),
            "until": _start_of(data["until"] + timedelta(days=1)) if data["until"] else None,
        }


def _start_of(day: date | None) -> datetime | None:
    return datetime.combine(day, time.min, tzinfo=UTC) if day else None
