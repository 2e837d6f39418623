"""Form pieces shared by the apps' UI forms. Forms check shape only; services decide the rules."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


def _refuse_constant(name: str) -> None:
    # NaN and the infinities are not JSON (RFC 8259), and the audit ledger's canonical form refuses them.
    raise ValueError(f"{name} is not a number JSON allows")


class JSONObjectField(forms.Field):
    """A JSON object typed into a textarea. What the user typed is kept when it does not parse."""

    widget = forms.Textarea(attrs={"rows": 5, "class": "code", "spellcheck": "false"})

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, dict):
            return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)
        return value

    def to_python(self, value: Any) -> dict[str, Any]:
        text = str(value or "")
        if not text.strip():
            return {}
        try:
            parsed = json.loads(text, parse_constant=_refuse_constant)
        except ValueError as exc:
            raise ValidationError(f"Enter valid JSON ({exc}).", code="invalid") from exc
        if not isinstance(parsed, dict):
            raise ValidationError('Enter a JSON object, such as {"learning_rate": 0.05}.', code="invalid")
        return parsed


class LinesField(forms.Field):
    """A list of strings, one per line (blank lines ignored)."""

    widget = forms.Textarea(attrs={"rows": 3, "spellcheck": "false"})

    def prepare_value(self, value: Any) -> Any:
        return "\n".join(str(item) for item in value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:
        return [line.strip() for line in str(value or "").splitlines() if line.strip()]


class CommaListField(forms.Field):
    """A list of short labels separated by commas, without duplicates, in the order typed."""

    def prepare_value(self, value: Any) -> Any:
        return ", ".join(str(item) for item in value) if isinstance(value, list) else value

    def to_python(self, value: Any) -> list[str]:
        return list(dict.fromkeys(item.strip() for item in str(value or "").split(",") if item.strip()))


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: next to the field it names, else above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.message_dict.items():
        if name in form.fields:
            form.add_error(name, errors)
        elif name == NON_FIELD_ERRORS:
            form.add_error(None, errors)
        else:
            form.add_error(None, [f"{name.replace('_', ' ').capitalize()}: {message}" for message in errors])
