"""Threshold logic in both directions, boundaries included, and the charts' threshold bands."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.template.loader import render_to_string

from governance.oversight.models.monitoring import Direction, ObservationStatus
from governance.oversight.monitoring.charts import build_chart
from governance.oversight.monitoring.evaluation import classify, describe, threshold_problems

HIGHER, LOWER = Direction.HIGHER_IS_BETTER, Direction.LOWER_IS_BETTER
OK, WARNING, BREACH = ObservationStatus.OK, ObservationStatus.WARNING, ObservationStatus.BREACH


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.90, OK),
        (0.75, OK),  # equal to the warning threshold: still within it
        (0.7499, WARNING),
        (0.70, WARNING),  # equal to the breach threshold: a warning, not a breach
        (0.6999, BREACH),
        (-1.0, BREACH),
    ],
)
def test_higher_is_better_breaches_below_the_threshold(value, expected):
    assert classify(value, direction=HIGHER, warning=0.75, breach=0.70) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.0, OK),
        (0.10, OK),
        (0.1001, WARNING),
        (0.25, WARNING),
        (0.2501, BREACH),
        (7.0, BREACH),
    ],
)
def test_lower_is_better_breaches_above_the_threshold(value, expected):
    assert classify(value, direction=LOWER, warning=0.10, breach=0.25) == expected


@pytest.mark.parametrize(
    ("direction", "value", "expected"),
    [(HIGHER, 0.71, OK), (HIGHER, 0.69, BREACH), (LOWER, 399, OK), (LOWER, 401, BREACH)],
)
def test_without_a_warning_threshold_there_is_no_warning(direction, value, expected):
    breach = 0.70 if direction == HIGHER else 400
    assert classify(value, direction=direction, warning=None, breach=breach) == expected


def test_descriptions_say_which_side_and_which_threshold():
    assert (
        describe(0.61, direction=HIGHER, warning=0.75, breach=0.70)
        == "0.61 is below the breach threshold 0.7"
    )
    assert describe(250, direction=LOWER, warning=200, breach=400, unit="ms") == (
        "250 ms is above the warning threshold 200 ms"
    )
    assert describe(0.8, direction=HIGHER, warning=0.75, breach=0.70) == "0.8 is within thresholds"


def test_warning_thresholds_must_lie_on_the_good_side():
    assert threshold_problems(HIGHER, 0.75, 0.70) == []
    assert threshold_problems(HIGHER, 0.65, 0.70)
    assert threshold_problems(LOWER, 0.1, 0.25) == []
    assert threshold_problems(LOWER, 0.3, 0.25)
    assert threshold_problems(LOWER, None, 0.25) == []


def _series(values, statuses=None):
    start = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    return [
        (start + dt.timedelta(days=i), v, (statuses or ["ok"] * len(values))[i], "")
        for i, v in enumerate(values)
    ]


def test_breach_band_lies_below_the_line_when_higher_is_better():
    chart = build_chart(
        _series([0.8, 0.76, 0.72, 0.68], ["ok", "ok", "warning", "breach"]),
        direction=HIGHER,
        warning=0.75,
        breach=0.70,
    )
    breach_band, warning_band = chart.bands
    assert breach_band.css == "band-breach" and warning_band.css == "band-warning"
    # SVG y grows downwards: the breach band runs from the breach line to the bottom of the plot.
    assert breach_band.y + breach_band.height == pytest.approx(chart.plot_bottom)
    assert warning_band.y + warning_band.height == pytest.approx(breach_band.y)
    assert [p.status for p in chart.series[0].points] == ["ok", "ok", "warning", "breach"]
    assert "1 breaches, 1 warnings" in chart.summary


def test_breach_band_lies_above_the_line_when_lower_is_better():
    chart = build_chart(_series([0.05, 0.2, 0.3]), direction=LOWER, warning=0.1, breach=0.25)
    breach_band, warning_band = chart.bands
    assert breach_band.y == pytest.approx(chart.plot_top)
    assert warning_band.y == pytest.approx(breach_band.y + breach_band.height)
    ys = [p.y for p in chart.series[0].points]
    assert ys[0] > ys[1] > ys[2]  # larger values are drawn higher up


def test_segments_become_separate_series_whole_population_first():
    start = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    observed = [
        (start, 0.9, "ok", "sex=female"),
        (start, 0.85, "ok", ""),
        (start, 0.7, "warning", "sex=male"),
    ]
    chart = build_chart(observed, direction=HIGHER, warning=0.8, breach=0.6)
    assert [s.name for s in chart.series] == ["all", "sex=female", "sex=male"]


def test_an_empty_history_draws_nothing():
    chart = build_chart([], direction=HIGHER, warning=None, breach=0.5)
    assert chart.empty and chart.summary == "No observations yet."


def test_the_svg_has_no_style_attribute_or_script_and_says_what_it_shows():
    chart = build_chart(_series([0.8, 0.69], ["ok", "breach"]), direction=HIGHER, warning=0.75, breach=0.70)

    class Metric:
        name, key = "AUC", "auc"

    svg = render_to_string(
        "oversight/monitoring/chart.svg.html", {"chart": chart, "metric": Metric, "chart_id": "c1"}
    )
    assert svg.count("<svg") == 1 and 'role="img"' in svg
    assert "style=" not in svg and "<script" not in svg and "<style" not in svg
    assert '<title id="c1-title">AUC over time</title>' in svg
    assert 'class="chart__band-breach"' in svg and 'class="chart__band-warning"' in svg
    assert re.search(r'<circle class="chart__point chart__point--breach"', svg)
    assert "breach 0.7" in svg and "warning 0.75" in svg
