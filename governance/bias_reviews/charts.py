"""Server-side geometry for the selection-rate bar chart (inline SVG, presentation attributes only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

LABEL_WIDTH = 170
BAR_WIDTH = 320
ROW_HEIGHT = 26
TOP = 28
VALUE_GAP = 6


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    y: int
    width: float
    ok: bool

    @property
    def text_y(self) -> int:
        return self.y + 15

    @property
    def value_x(self) -> float:
        return LABEL_WIDTH + self.width + VALUE_GAP


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    width: int
    height: int
    label_width: int
    bar_x: int
    threshold_x: float | None
    threshold_label: str
    axis_ticks: list[tuple[float, str]]


def selection_rate_chart(groups: list[Any], ratio_min: float | None) -> Chart:
    """Horizontal bars of each group's selection rate (0..1) and, when a parity ratio threshold is set,
    a line at that fraction of the highest rate: bars left of it fail the four-fifths style rule."""
    bars = []
    for i, g in enumerate(groups):
        label = str(g.group)
        bars.append(
            Bar(
                label if len(label) <= 26 else label[:25] + "…",
                float(g.selection_rate),
                TOP + i * ROW_HEIGHT,
                round(BAR_WIDTH * float(g.selection_rate), 1),
                bool(g.meets_threshold),
            )
        )
    top = max((b.value for b in bars), default=0.0)
    threshold_x = None
    label = ""
    if ratio_min is not None and top > 0:
        threshold_x = round(LABEL_WIDTH + BAR_WIDTH * top * ratio_min, 1)
        label = f"{ratio_min:.2f} of the highest rate"
    ticks = [(round(LABEL_WIDTH + BAR_WIDTH * t, 1), f"{t:.0%}") for t in (0, 0.25, 0.5, 0.75, 1.0)]
    height = TOP + len(bars) * ROW_HEIGHT + 24
    return Chart(
        bars, LABEL_WIDTH + BAR_WIDTH + 60, height, LABEL_WIDTH, LABEL_WIDTH, threshold_x, label, ticks
    )
