"""Differences between two revisions, section by section: side-by-side rows and inline lines.

Pure functions over content and section specs. Each section is turned into lines (Markdown text as
written; a table row as its cells joined by " | "; a field as "Label: value"), lines are matched
with difflib, and replaced lines are compared word by word so the exact change is highlighted.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from governance.model_cards.models import Revision, SectionKind
from governance.model_cards.sections import SectionSpec, specs_of

WORDS = re.compile(r"\s+|[^\s]+")


@dataclass(frozen=True)
class Segment:
    text: str
    changed: bool = False


@dataclass(frozen=True)
class SideRow:
    """One row of a side-by-side diff; a side is None where the line does not exist."""

    tag: str  # equal, replace, delete, insert
    left_no: int | None
    left: list[Segment] | None
    right_no: int | None
    right: list[Segment] | None


@dataclass(frozen=True)
class InlineLine:
    tag: str  # equal, delete, insert
    old_no: int | None
    new_no: int | None
    segments: list[Segment]


@dataclass
class SectionDiff:
    key: str
    title: str
    status: str  # unchanged, changed, added, removed
    side: list[SideRow] = field(default_factory=list)
    inline: list[InlineLine] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.status != "unchanged"

    def as_json(self) -> dict[str, Any]:
        def segs(parts: list[Segment] | None) -> list[dict[str, Any]] | None:
            return None if parts is None else [{"text": s.text, "changed": s.changed} for s in parts]

        return {
            "key": self.key,
            "title": self.title,
            "status": self.status,
            "side_by_side": [
                {
                    "tag": r.tag,
                    "left_no": r.left_no,
                    "left": segs(r.left),
                    "right_no": r.right_no,
                    "right": segs(r.right),
                }
                for r in self.side
            ],
            "inline": [
                {"tag": ln.tag, "old_no": ln.old_no, "new_no": ln.new_no, "segments": segs(ln.segments)}
                for ln in self.inline
            ],
        }


def section_lines(spec: SectionSpec, value: Any) -> list[str]:
    """The lines a reader compares for one section's value."""
    if spec.kind == SectionKind.TABLE:
        rows = value if isinstance(value, list) else []
        if not rows:
            return []
        return [" | ".join(spec.columns)] + [" | ".join(str(c) for c in row) for row in rows]
    if spec.kind == SectionKind.FIELDS:
        values = value if isinstance(value, Mapping) else {}
        return [f"{f.label}: {values[f.key]}" for f in spec.fields if values.get(f.key)]
    return str(value or "").splitlines()


def _word_diff(old: str, new: str) -> tuple[list[Segment], list[Segment]]:
    a, b = WORDS.findall(old), WORDS.findall(new)
    left: list[Segment] = []
    right: list[Segment] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if i2 > i1:
            left.append(Segment("".join(a[i1:i2]), tag != "equal"))
        if j2 > j1:
            right.append(Segment("".join(b[j1:j2]), tag != "equal"))
    return left, right


def diff_lines(old: list[str], new: list[str]) -> tuple[list[SideRow], list[InlineLine]]:
    side: list[SideRow] = []
    inline: list[InlineLine] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for k in range(i2 - i1):
                text = [Segment(old[i1 + k])]
                side.append(SideRow("equal", i1 + k + 1, text, j1 + k + 1, text))
                inline.append(InlineLine("equal", i1 + k + 1, j1 + k + 1, text))
            continue
        removed, added = old[i1:i2], new[j1:j2]
        pairs = max(len(removed), len(added)) if tag == "replace" else 0
        deletes: list[InlineLine] = []
        inserts: list[InlineLine] = []
        for k in range(max(len(removed), len(added))):
            left_text = removed[k] if k < len(removed) else None
            right_text = added[k] if k < len(added) else None
            if pairs and left_text is not None and right_text is not None:
                left, right = _word_diff(left_text, right_text)
            else:
                left = [Segment(left_text, True)] if left_text is not None else []
                right = [Segment(right_text, True)] if right_text is not None else []
            row_tag = (
                "replace"
                if left_text is not None and right_text is not None
                else ("delete" if left_text is not None else "insert")
            )
            side.append(
                SideRow(
                    row_tag,
                    i1 + k + 1 if left_text is not None else None,
                    left if left_text is not None else None,
                    j1 + k + 1 if right_text is not None else None,
                    right if right_text is not None else None,
                )
            )
            if left_text is not None:
                deletes.append(InlineLine("delete", i1 + k + 1, None, left))
            if right_text is not None:
                inserts.append(InlineLine("insert", None, j1 + k + 1, right))
        inline.extend(deletes + inserts)
    return side, inline


def diff_contents(
    old_specs: list[SectionSpec], old: Mapping[str, Any], new_specs: list[SectionSpec], new: Mapping[str, Any]
) -> list[SectionDiff]:
    """Section diffs in the newer template's order, then sections only the older one had."""
    old_by_key = {s.key: s for s in old_specs}
    new_keys = {s.key for s in new_specs}
    result = []
    ordered: list[tuple[SectionSpec, SectionSpec | None, SectionSpec | None]] = [
        (s, old_by_key.get(s.key), s) for s in new_specs
    ]
    ordered += [(s, s, None) for s in old_specs if s.key not in new_keys]
    for spec, old_spec, new_spec in ordered:
        old_lines = section_lines(old_spec, old.get(spec.key)) if old_spec else []
        new_lines = section_lines(new_spec, new.get(spec.key)) if new_spec else []
        if old_spec is None:
            status = "added"
        elif new_spec is None:
            status = "removed"
        else:
            status = "unchanged" if old_lines == new_lines else "changed"
        side, inline = diff_lines(old_lines, new_lines)
        result.append(SectionDiff(spec.key, spec.title, status, side, inline))
    return result


def diff_revisions(old: Revision, new: Revision) -> list[SectionDiff]:
    """Differences from revision `old` to revision `new` (any two revisions, in either order)."""
    return diff_contents(
        specs_of(old.template_version.sections),
        old.content,
        specs_of(new.template_version.sections),
        new.content,
    )
