"""Metric history charts, drawn server-side as SVG geometry (pure: no database, no HTML).

The template turns a Chart into inline SVG with presentation attributes and classes only (the
Content Security Policy forbids inline styles and scripts). Threshold bands shade where a value is a
warning or a breach, so the picture reads the same way the ingest judges values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from governance.oversight.models.monitoring import Direction, ObservationStatus

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 28
MAX_SERIES = 6


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    value: float
    at: dt.datetime
    status: str

    @property
    def label(self) -> str:
        status = ObservationStatus(self.status).label.lower()
        return f"{self.at:%Y-%m-%d %H:%M} UTC: {self.value:g} ({status})"


@dataclass(frozen=True)
class Series:
    segment: str
    css: str
    points: list[Point]

    @property
    def path(self) -> str:
        return " ".join(f"{'M' if i == 0 else 'L'}{p.x:.1f},{p.y:.1f}" for i, p in enumerate(self.points))

    @property
    def name(self) -> str:
        return self.segment or "all"


@dataclass(frozen=True)
class Band:
    css: str
    y: float
    height: float
    label: str


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass
class Chart:
    """Everything the template needs to draw one metric's history."""

    width: int
    height: int
    plot_left: int
    plot_right: int
    plot_top: int
    plot_bottom: int
    series: list[Series] = field(default_factory=list)
    bands: list[Band] = field(default_factory=list)
    lines: list[Tick] = field(default_factory=list)  # threshold lines: y and label
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    hidden_segments: int = 0
    summary: str = ""

    @property
    def empty(self) -> bool:
        return not self.series

    @property
    def plot_width(self) -> int:
        return self.plot_right - self.plot_left

    @property
    def plot_height(self) -> int:
        return self.plot_bottom - self.plot_top


Observed = tuple[dt.datetime, float, str, str]  # window_end, value, status, segment


def _range(values: Sequence[float]) -> tuple[float, float]:
    low, high = min(values), max(values)
    pad = (high - low) * 0.08 if high > low else max(abs(high) * 0.1, 1.0)
    return low - pad, high + pad


def build_chart(
    observed: Sequence[Observed],
    *,
    direction: str,
    warning: float | None,
    breach: float,
    unit: str = "",
) -> Chart:
    """Lay out a metric's observations (oldest first) with its thresholds as bands and lines."""
    chart = Chart(WIDTH, HEIGHT, LEFT, WIDTH - RIGHT, TOP, HEIGHT - BOTTOM)
    if not observed:
        chart.summary = "No observations yet."
        return chart
    thresholds = [breach] + ([warning] if warning is not None else [])
    low, high = _range([v for _, v, _, _ in observed] + thresholds)
    first, last = min(o[0] for o in observed), max(o[0] for o in observed)
    span = (last - first).total_seconds()

    def x(at: dt.datetime) -> float:
        if span == 0:
            return (chart.plot_left + chart.plot_right) / 2
        return chart.plot_left + (at - first).total_seconds() / span * (chart.plot_right - chart.plot_left)

    def y(value: float) -> float:
        clamped = min(max(value, low), high)
        return chart.plot_bottom - (clamped - low) / (high - low) * (chart.plot_bottom - chart.plot_top)

    by_segment: dict[str, list[Observed]] = {}
    for item in observed:
        by_segment.setdefault(item[3], []).append(item)
    # The whole population first, then the segments with the most observations.
    ordered = sorted(by_segment, key=lambda s: (s != "", -len(by_segment[s]), s))
    for number, segment in enumerate(ordered[:MAX_SERIES], start=1):
        points = [Point(x(at), y(v), v, at, status) for at, v, status, _ in sorted(by_segment[segment])]
        chart.series.append(Series(segment, f"series-{number}", points))
    chart.hidden_segments = max(0, len(ordered) - MAX_SERIES)

    worse_below = direction == Direction.HIGHER_IS_BETTER
    edge = chart.plot_bottom if worse_below else chart.plot_top
    yb = y(breach)
    chart.bands.append(
        Band(
            "band-breach",
            min(yb, edge),
            abs(edge - yb),
            "breach" + (" (below)" if worse_below else " (above)"),
        )
    )
    if warning is not None:
        yw = y(warning)
        chart.bands.append(Band("band-warning", min(yw, yb), abs(yb - yw), "warning"))
        chart.lines.append(Tick(yw, f"warning {warning:g}"))
    chart.lines.append(Tick(yb, f"breach {breach:g}"))
    chart.y_ticks = [Tick(y(v), f"{v:.3g}") for v in (low, (low + high) / 2, high)]
    chart.x_ticks = [Tick(x(first), f"{first:%d %b}")]
    if span:
        chart.x_ticks.append(Tick(x(last), f"{last:%d %b}"))
    latest = max(observed, key=lambda o: o[0])
    counts = {
        s: sum(1 for o in observed if o[2] == s)
        for s in (ObservationStatus.WARNING, ObservationStatus.BREACH)
    }
    suffix = f" {unit}" if unit else ""
    chart.summary = (
        f"{len(observed)} observations from {first:%d %b %Y} to {last:%d %b %Y}; "
        f"latest {latest[1]:g}{suffix} "
        f"({ObservationStatus(latest[2]).label.lower()}); {counts[ObservationStatus.BREACH]} breaches, "
        f"{counts[ObservationStatus.WARNING]} warnings. Breach threshold {breach:g}{suffix}"
        + (f", warning threshold {warning:g}{suffix}" if warning is not None else "")
        + f"; {Direction(direction).label.lower()}."
    )
    return chart
