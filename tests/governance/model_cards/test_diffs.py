"""Diffs between any two revisions: section by section, side by side and inline, word-level changes."""

from __future__ import annotations

from governance.model_cards.diffs import diff_contents, diff_lines
from governance.model_cards.sections import parse_sections

SPECS = parse_sections(
    [
        {"key": "use", "title": "Intended use", "kind": "markdown"},
        {"key": "metrics", "title": "Metrics", "kind": "table", "columns": ["Metric", "Value"]},
        {
            "key": "details",
            "title": "Details",
            "kind": "fields",
            "fields": [{"key": "owner", "label": "Owner"}],
        },
    ]
)


def test_unchanged_changed_and_added_sections():
    old = {"use": "Scores loans.\nRetail only.", "metrics": [["AUC", "0.81"]], "details": {"owner": "Ann"}}
    new = {
        "use": "Scores loans.\nRetail and SME.",
        "metrics": [["AUC", "0.81"], ["KS", "0.4"]],
        "details": {"owner": "Ann"},
    }
    sections = {d.key: d for d in diff_contents(SPECS, old, SPECS, new)}
    assert sections["details"].status == "unchanged"
    assert sections["use"].status == "changed"
    replaced = next(r for r in sections["use"].side if r.tag == "replace")
    assert [s.text for s in replaced.left if s.changed] == ["only."]
    assert [s.text for s in replaced.right if s.changed] == ["and SME."] or "SME." in "".join(
        s.text for s in replaced.right if s.changed
    )
    inserted = [r for r in sections["metrics"].side if r.tag == "insert"]
    assert inserted[0].right[0].text == "KS | 0.4" and inserted[0].left is None


def test_inline_lists_deletions_before_insertions():
    side, inline = diff_lines(["a", "b", "c"], ["a", "B", "c", "d"])
    assert [(line.tag, line.old_no, line.new_no) for line in inline] == [
        ("equal", 1, 1),
        ("delete", 2, None),
        ("insert", None, 2),
        ("equal", 3, 3),
        ("insert", None, 4),
    ]
    assert [r.tag for r in side] == ["equal", "replace", "equal", "insert"]


def test_sections_only_in_the_older_template_show_as_removed():
    older = parse_sections(
        [{"key": "gone", "title": "Gone", "kind": "markdown"}, *[s.as_json() for s in SPECS]]
    )
    sections = diff_contents(older, {"gone": "text"}, SPECS, {})
    assert sections[-1].key == "gone" and sections[-1].status == "removed"
    assert sections[-1].inline[0].tag == "delete"
