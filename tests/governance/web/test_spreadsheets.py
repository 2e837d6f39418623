"""CSV cells are safe to open in a spreadsheet: formula triggers are neutralised, data is kept."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from governance.web.spreadsheets import csv_response, safe_cell


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1)", "'+SUM(A1)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\tinjected", "'\tinjected"),
        ("\rinjected", "'\rinjected"),
        ("\uff1dHYPERLINK()", "'\uff1dHYPERLINK()"),
        ("plain text", "plain text"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_text_starting_with_a_formula_trigger_is_prefixed(value, expected):
    assert safe_cell(value) == expected


def test_numbers_dates_and_structures_keep_their_meaning():
    assert safe_cell(-3) == "-3"
    assert safe_cell(0.5) == "0.5"
    assert safe_cell(None) == ""
    assert safe_cell(True) == "true"
    assert safe_cell(datetime(2026, 1, 2, 3, 4, tzinfo=UTC)) == "2026-01-02T03:04:00+00:00"
    assert safe_cell({"b": 1, "a": "=x"}) == '{"a": "=x", "b": 1}'
    assert safe_cell(["-1"]) == '["-1"]'


def test_csv_response_streams_a_safe_attachment():
    response = csv_response("out.csv", ["name", "value"], iter([["=evil()", -1], ["ok", "+1"]]))
    assert response.streaming
    assert response["Content-Disposition"] == 'attachment; filename="out.csv"'
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body == "\ufeffname,value\r\n'=evil(),-1\r\nok,'+1\r\n"
