"""Export and import of a document's content: Steward JSON, and Hugging Face style Markdown with a
YAML front matter. Pure functions: importing returns section content for a new revision (the
service validates and saves it); nothing here touches the database.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import yaml
from django.core.exceptions import ValidationError

from governance.audit.jsonvalues import utc_iso
from governance.model_cards.models import Document, DocumentKind, Revision, SectionKind
from governance.model_cards.sections import SectionSpec, specs_of

FORMAT = "steward-document"
FORMAT_VERSION = 1
MAX_IMPORT_BYTES = 2 * 1024 * 1024
FIELD_LINE = re.compile(r"^- \*\*(?P<label>.+?):\*\*\s?(?P<value>.*)$")


def _metadata(document: Document, revision: Revision) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "kind": document.kind,
        "template": revision.template_version.template.slug,
        "template_version": revision.template_version.number,
        "asset": document.asset.slug,
        "version": document.version.label if document.version else None,
        "revision": revision.number,
        "sha256": revision.sha256,
        "author": revision.author_name,
        "created_at": utc_iso(revision.created_at),
        "final": document.final_revision_id == revision.pk,
    }


def export_json(document: Document, revision: Revision) -> dict[str, Any]:
    """The revision as Steward JSON: metadata and the sections in template order with their values."""
    specs = specs_of(revision.template_version.sections)
    return _metadata(document, revision) | {
        "sections": [
            {"key": s.key, "title": s.title, "kind": str(s.kind), "value": revision.content.get(s.key)}
            for s in specs
        ]
    }


def _check_kind(document: Document, kind: Any) -> None:
    if kind is not None and kind != document.kind:
        label = DocumentKind(kind).label if kind in DocumentKind.values else str(kind)
        raise ValidationError(
            {
                "kind": f"This is an export of a {label.lower()}; "
                f"the document is a {document.get_kind_display().lower()}."
            }
        )


def import_json(document: Document, data: Any) -> dict[str, Any]:
    """Section content from Steward JSON (as exported, or {"sections": {key: value}})."""
    if not isinstance(data, Mapping):
        raise ValidationError({"file": "The JSON must be an object."})
    if "format" in data and data["format"] != FORMAT:
        raise ValidationError({"format": f"Expected a “{FORMAT}” export, got “{data['format']}”."})
    _check_kind(document, data.get("kind"))
    sections = data.get("sections")
    if isinstance(sections, list):
        content: dict[str, Any] = {}
        for item in sections:
            if not isinstance(item, Mapping) or not isinstance(item.get("key"), str):
                raise ValidationError({"sections": "Each section must be an object with a key and a value."})
            content[item["key"]] = item.get("value")
        return content
    if isinstance(sections, Mapping):
        return dict(sections)
    raise ValidationError({"sections": "The JSON has no sections (a list, or an object keyed by section)."})


# --- Hugging Face style Markdown --------------------------------------------------------------------


def _cell(value: Any) -> str:
    return str(value).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _section_markdown(spec: SectionSpec, value: Any) -> str:
    if spec.kind == SectionKind.TABLE:
        rows = value or []
        lines = [
            "| " + " | ".join(_cell(c) for c in spec.columns) + " |",
            "|" + "|".join(" --- " for _ in spec.columns) + "|",
        ]
        lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
        return "\n".join(lines) if rows else ""
    if spec.kind == SectionKind.FIELDS:
        values = value or {}
        return "\n".join(f"- **{f.label}:** {values[f.key]}" for f in spec.fields if values.get(f.key))
    return str(value or "")


def export_markdown(document: Document, revision: Revision) -> str:
    """The revision as a Hugging Face style model card: YAML front matter, then one `##` per section."""
    specs = specs_of(revision.template_version.sections)
    front: dict[str, Any] = {}
    details = revision.content.get("model_details") or {}
    if isinstance(details, Mapping) and details.get("license"):
        front["license"] = details["license"]
    if document.asset.tags:
        front["tags"] = list(document.asset.tags)
    front["model_name"] = document.asset.name
    front["steward"] = _metadata(document, revision)
    title = f"{document.get_kind_display()}: {document.asset.name}"
    if document.version:
        title += f" {document.version.label}"
    parts = [
        "---",
        yaml.safe_dump(front, sort_keys=False, allow_unicode=True).strip(),
        "---",
        "",
        f"# {title}",
    ]
    for spec in specs:
        parts += ["", f"## {spec.title}", ""]
        body = _section_markdown(spec, revision.content.get(spec.key))
        if body:
            parts.append(body)
    return "\n".join(parts) + "\n"


def _split_cells(line: str) -> list[str]:
    """Cells of a Markdown table row, honouring backslash escapes (so "\\|" stays in the cell)."""
    cells, current, escaped = [], "", False
    for char in line.strip():
        if escaped:
            current += char
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "|":
            cells.append(current.strip())
            current = ""
        else:
            current += char
    cells.append(current.strip())
    if line.strip().startswith("|"):
        cells = cells[1:]
    if cells and cells[-1] == "" and line.rstrip().endswith("|"):
        cells = cells[:-1]
    return cells


def _parse_table(spec: SectionSpec, text: str) -> list[list[str]]:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if not lines:
        return []
    if len(lines) < 2 or not set(lines[1].replace("|", "").strip()) <= set("-: "):
        raise ValidationError({spec.key: f"“{spec.title}” must be a Markdown table with a header row."})
    rows = []
    for n, line in enumerate(lines[2:], start=1):
        cells = _split_cells(line)
        if len(cells) != len(spec.columns):
            raise ValidationError(
                {
                    spec.key: f"“{spec.title}” row {n} has {len(cells)} cells; "
                    f"the table has {len(spec.columns)} columns."
                }
            )
        rows.append(cells)
    return rows


def _parse_fields(spec: SectionSpec, text: str) -> dict[str, str]:
    by_label = {f.label.lower(): f.key for f in spec.fields} | {f.key: f.key for f in spec.fields}
    values: dict[str, str] = {}
    last: str | None = None
    for line in text.splitlines():
        match = FIELD_LINE.match(line.strip())
        if match:
            key = by_label.get(match["label"].strip().lower())
            if key is None:
                raise ValidationError({spec.key: f"“{spec.title}” has no field “{match['label']}”."})
            values[key], last = match["value"].strip(), key
        elif line.strip() and last is not None:
            values[last] += "\n" + line.strip()
        elif line.strip():
            raise ValidationError({spec.key: f"“{spec.title}” expects lines like “- **Field:** value”."})
    return values


def import_markdown(document: Document, text: str) -> dict[str, Any]:
    """Section content from Hugging Face style Markdown (YAML front matter optional).

    A `##` heading starts a section when it names one of the template's sections (by title or key);
    any other heading stays part of the section text.
    """
    specs = specs_of(document.template.current_version.sections if document.template.current_version else [])
    front: Any = {}
    body = text.replace("\r\n", "\n")
    if body.startswith("---\n"):
        end = body.find("\n---", 4)
        if end == -1:
            raise ValidationError({"file": "The YAML front matter is not closed by a “---” line."})
        try:
            front = yaml.safe_load(body[4:end]) or {}
        except yaml.YAMLError as exc:
            raise ValidationError({"file": f"The YAML front matter is not valid YAML: {exc}"}) from exc
        if not isinstance(front, Mapping):
            raise ValidationError({"file": "The YAML front matter must be a mapping."})
        body = body[end + 4 :].split("\n", 1)[1] if "\n" in body[end + 4 :] else ""
    steward = front.get("steward") if isinstance(front, Mapping) else None
    if isinstance(steward, Mapping):
        _check_kind(document, steward.get("kind"))
    by_heading = {s.title.lower(): s for s in specs} | {s.key: s for s in specs}
    chunks: dict[str, list[str]] = {}
    current: SectionSpec | None = None
    stray: list[str] = []
    for line in body.split("\n"):
        if line.startswith("## "):
            spec = by_heading.get(line[3:].strip().lower())
            if spec is not None:
                if spec.key in chunks:
                    raise ValidationError({spec.key: f"The section “{spec.title}” appears twice."})
                current = spec
                chunks[spec.key] = []
                continue
        if current is None:
            if line.strip() and not line.startswith("# "):
                stray.append(line.strip())
            continue
        chunks[current.key].append(line)
    if stray:
        raise ValidationError(
            {
                "file": f"Text outside any known section: “{stray[0][:80]}”. Section headings are: "
                + ", ".join(f"## {s.title}" for s in specs)
            }
        )
    if not chunks:
        raise ValidationError({"file": "No section headings found; expected “## <section title>” lines."})
    content: dict[str, Any] = {}
    for key, lines in chunks.items():
        spec = by_heading[key]
        text_value = "\n".join(lines).strip("\n").strip()
        if spec.kind == SectionKind.TABLE:
            content[key] = _parse_table(spec, text_value)
        elif spec.kind == SectionKind.FIELDS:
            content[key] = _parse_fields(spec, text_value)
        else:
            content[key] = text_value
    return content
