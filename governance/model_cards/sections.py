"""Section specs of a template and the shape of section content. Pure: no database access.

A section is rich text (Markdown), a table with named columns (a metrics table) or a set of named
fields. Content maps section keys to values: a string, a list of rows (each a list of cell strings,
one per column) or a dict of field values. Completeness: every required section has content.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

from governance.model_cards.models import SectionKind

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,59}$")
MAX_SECTIONS = 60
MAX_TEXT = 100_000
MAX_CELL = 2_000
MAX_ROWS = 500
MAX_COLUMNS = 12
MAX_FIELDS = 30

Value = str | list[list[str]] | dict[str, str]


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    required: bool = False


@dataclass(frozen=True)
class SectionSpec:
    """One section of a template version, in order."""

    key: str
    title: str
    kind: str = SectionKind.MARKDOWN
    required: bool = False
    guidance: str = ""
    columns: tuple[str, ...] = ()
    fields: tuple[FieldSpec, ...] = ()

    def as_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "key": self.key,
            "title": self.title,
            "kind": str(self.kind),
            "required": self.required,
            "guidance": self.guidance,
        }
        if self.kind == SectionKind.TABLE:
            data["columns"] = list(self.columns)
        if self.kind == SectionKind.FIELDS:
            data["fields"] = [{"key": f.key, "label": f.label, "required": f.required} for f in self.fields]
        return data

    @property
    def kind_label(self) -> str:
        return str(SectionKind(self.kind).label)


def _text(value: Any, where: str, limit: int, *, required: bool = True) -> str:
    if not isinstance(value, str):
        raise ValidationError(f"{where} must be text.")
    value = value.strip()
    if required and not value:
        raise ValidationError(f"{where} must not be empty.")
    if len(value) > limit:
        raise ValidationError(f"{where} is longer than {limit} characters.")
    return value


def _key(value: Any, where: str) -> str:
    if not isinstance(value, str) or not KEY_PATTERN.match(value):
        raise ValidationError(
            f"{where} must be a key of lower-case letters, digits and underscores, starting with a letter."
        )
    return value


def _parse_one(raw: Any, index: int) -> SectionSpec:
    where = f"Section {index + 1}"
    if not isinstance(raw, Mapping):
        raise ValidationError(f"{where} must be an object.")
    unknown = set(raw) - {"key", "title", "kind", "required", "guidance", "columns", "fields"}
    if unknown:
        raise ValidationError(f"{where} has unknown attributes: {', '.join(sorted(unknown))}.")
    key = _key(raw.get("key"), f"{where}'s key")
    title = _text(raw.get("title"), f"{where}'s title", 200)
    kind = raw.get("kind", SectionKind.MARKDOWN)
    if kind not in SectionKind.values:
        raise ValidationError(f"{where}'s kind must be one of {', '.join(SectionKind.values)}.")
    required = raw.get("required", False)
    if not isinstance(required, bool):
        raise ValidationError(f"{where}'s required flag must be true or false.")
    guidance = _text(raw.get("guidance", ""), f"{where}'s guidance", 5_000, required=False)
    columns: tuple[str, ...] = ()
    fields: tuple[FieldSpec, ...] = ()
    if kind == SectionKind.TABLE:
        raw_columns = raw.get("columns")
        if not isinstance(raw_columns, list) or not 1 <= len(raw_columns) <= MAX_COLUMNS:
            raise ValidationError(f"{where} is a table: give it 1 to {MAX_COLUMNS} column names.")
        columns = tuple(_text(c, f"{where}'s column name", 100) for c in raw_columns)
        if len(set(columns)) != len(columns):
            raise ValidationError(f"{where}'s column names must be distinct.")
    elif kind == SectionKind.FIELDS:
        raw_fields = raw.get("fields")
        if not isinstance(raw_fields, list) or not 1 <= len(raw_fields) <= MAX_FIELDS:
            raise ValidationError(f"{where} has structured fields: give it 1 to {MAX_FIELDS} fields.")
        parsed = []
        for item in raw_fields:
            if not isinstance(item, Mapping):
                raise ValidationError(f"{where}'s fields must be objects with a key and a label.")
            field_required = item.get("required", False)
            if not isinstance(field_required, bool):
                raise ValidationError(f"{where}'s field required flags must be true or false.")
            parsed.append(
                FieldSpec(
                    _key(item.get("key"), f"{where}'s field key"),
                    _text(item.get("label"), f"{where}'s field label", 100),
                    field_required,
                )
            )
        fields = tuple(parsed)
        if len({f.key for f in fields}) != len(fields):
            raise ValidationError(f"{where}'s field keys must be distinct.")
    return SectionSpec(key, title, kind, required, guidance, columns, fields)


def parse_sections(raw: Any) -> list[SectionSpec]:
    """Validate a template's section list; raises ValidationError naming the first problem."""
    if not isinstance(raw, list) or not raw:
        raise ValidationError("A template needs at least one section.")
    if len(raw) > MAX_SECTIONS:
        raise ValidationError(f"A template has at most {MAX_SECTIONS} sections.")
    specs = [_parse_one(item, i) for i, item in enumerate(raw)]
    keys = [s.key for s in specs]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if duplicates:
        raise ValidationError(f"Section keys must be distinct; repeated: {', '.join(duplicates)}.")
    return specs


def specs_of(raw_sections: Any) -> list[SectionSpec]:
    """Section specs of a stored (already validated) template version."""
    return parse_sections(raw_sections)


def empty_value(spec: SectionSpec) -> Value:
    if spec.kind == SectionKind.TABLE:
        return []
    if spec.kind == SectionKind.FIELDS:
        return {}
    return ""


def normalise_value(spec: SectionSpec, value: Any) -> Value:
    """The canonical form of one section's value; raises ValidationError naming what is wrong."""
    where = f"“{spec.title}”"
    if value is None:
        return empty_value(spec)
    if spec.kind == SectionKind.MARKDOWN:
        text = _text(value, where, MAX_TEXT, required=False)
        return text.replace("\r\n", "\n")
    if spec.kind == SectionKind.TABLE:
        if not isinstance(value, list):
            raise ValidationError(f"{where} is a table: give a list of rows.")
        rows = []
        for n, row in enumerate(value, start=1):
            if isinstance(row, Mapping):
                unknown = set(row) - set(spec.columns)
                if unknown:
                    raise ValidationError(
                        f"{where} row {n} has unknown columns: {', '.join(sorted(unknown))}."
                    )
                row = [row.get(c, "") for c in spec.columns]
            if not isinstance(row, list) or len(row) != len(spec.columns):
                raise ValidationError(f"{where} row {n} must have {len(spec.columns)} cells.")
            cells = [
                _text(
                    "" if c is None else str(c) if isinstance(c, int | float) else c,
                    f"{where} row {n}",
                    MAX_CELL,
                    required=False,
                )
                for c in row
            ]
            if any(cells):
                rows.append(cells)
        if len(rows) > MAX_ROWS:
            raise ValidationError(f"{where} has more than {MAX_ROWS} rows.")
        return rows
    if not isinstance(value, Mapping):
        raise ValidationError(f"{where} has fields: give an object of field values.")
    known = {f.key for f in spec.fields}
    unknown = set(value) - known
    if unknown:
        raise ValidationError(f"{where} has unknown fields: {', '.join(sorted(unknown))}.")
    values = {}
    for f in spec.fields:
        text = _text(value.get(f.key) or "", f"{where} field “{f.label}”", MAX_CELL, required=False)
        if text:
            values[f.key] = text
    return values


def has_content(spec: SectionSpec, value: Any) -> bool:
    """A section has content when it says something (every required field filled, for fields)."""
    if spec.kind == SectionKind.MARKDOWN:
        return bool(isinstance(value, str) and value.strip())
    if spec.kind == SectionKind.TABLE:
        return bool(isinstance(value, list) and any(any(cell for cell in row) for row in value))
    if not isinstance(value, Mapping) or not any(value.values()):
        return False
    return all(value.get(f.key) for f in spec.fields if f.required)


def normalise_content(specs: list[SectionSpec], content: Any) -> dict[str, Value]:
    """Canonical content for every section of `specs` (absent sections are empty).

    Raises ValidationError keyed by section for wrong shapes and for sections the template lacks.
    """
    if not isinstance(content, Mapping):
        raise ValidationError("Content must map section keys to values.")
    by_key = {s.key: s for s in specs}
    errors: dict[str, list[str]] = {}
    unknown = sorted(set(content) - set(by_key))
    if unknown:
        errors["sections"] = [f"The template has no sections named: {', '.join(unknown)}."]
    result: dict[str, Value] = {}
    for spec in specs:
        try:
            result[spec.key] = normalise_value(spec, content.get(spec.key))
        except ValidationError as exc:
            errors[spec.key] = exc.messages
    if errors:
        raise ValidationError(errors)
    return result


def missing_sections(specs: list[SectionSpec], content: Mapping[str, Any]) -> list[str]:
    """Titles of required sections without content, in template order."""
    return [s.title for s in specs if s.required and not has_content(s, content.get(s.key))]
