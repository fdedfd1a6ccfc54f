"""Geometry of one chart: the plot area, category slots, bars, lines, axes, legend."""

import math
from collections.abc import Sequence
from dataclasses import dataclass

from radar_charts.svg import HEIGHT, WIDTH, compact, element, text, tooltip

CHAR_WIDTH = 7  # rough width of a 12 px character, to keep labels from colliding
LEFT, TOP, RIGHT, BOTTOM = 80.0, 48.0, WIDTH - 24.0, HEIGHT - 130.0


@dataclass(frozen=True, slots=True)
class Plot:
    """Categories along x, values 0..ticks[-1] along y, drawn inside a fixed frame."""

    categories: Sequence[str]
    ticks: Sequence[float]
    top: float = TOP  # panels stacked in one chart share x but not y
    bottom: float = BOTTOM

    def y_of(self, value: float) -> float:
        y_min, y_max = self.ticks[0], self.ticks[-1]
        span = y_max - y_min
        share = (min(max(value, y_min), y_max) - y_min) / span if span else 0.0
        return self.bottom - share * (self.bottom - self.top)

    def slot(self, index: int) -> tuple[float, float]:
        """Left edge and width of the index-th category slot."""
        width = (RIGHT - LEFT) / max(len(self.categories), 1)
        return LEFT + index * width, width

    def bar(
        self,
        index: int,
        value: float,
        *,
        base: float,
        series: str,
        colour: str,
        share: float,
        shift: float = 0.0,
    ) -> str:
        """One bar (or stacked segment) from `base` up by `value`, `share` of the slot wide,
        moved `shift` slot widths right of centre (bars side by side)."""
        left, width = self.slot(index)
        category = self.categories[index]
        top = self.y_of(base + value)
        return element(
            "rect",
            tooltip(f"{category} · {series}: {compact(value)}"),
            class_="bar",
            x=left + width * ((1 - share) / 2 + shift),
            y=top,
            width=width * share,
            height=self.y_of(base) - top,
            fill=colour,
            data_series=series,
            data_category=category,
            data_value=value,
        )

    def label(self, index: int, value: float, content: str, *, shift: float = 0.0) -> str:
        """A value written above the bar at `index`, so a short bar still reads."""
        left, width = self.slot(index)
        return text(
            left + width * (0.5 + shift),
            self.y_of(value) - 4,
            content,
            text_anchor="middle",
            font_size=10,
            class_="value-label",
        )

    def line(self, series: str, values: Sequence[float | None], colour: str) -> str:
        """A polyline with a dot per value; None breaks the line instead of dropping to 0."""
        runs: list[list[tuple[float, float]]] = [[]]
        dots = []
        for index, value in enumerate(values):
            if value is None:
                runs.append([])
                continue
            left, width = self.slot(index)
            x, y = left + width / 2, self.y_of(value)
            runs[-1].append((x, y))
            category = self.categories[index]
            dots.append(
                element(
                    "circle",
                    tooltip(f"{category} · {series}: {compact(value)}"),
                    class_="point",
                    cx=x,
                    cy=y,
                    r=3,
                    fill=colour,
                    data_series=series,
                    data_category=category,
                    data_value=value,
                )
            )
        paths = [
            element(
                "polyline",
                points=" ".join(f"{x:.1f},{y:.1f}" for x, y in run),
                fill="none",
                stroke=colour,
                stroke_width=2,
                class_="line",
                data_series=series,
            )
            for run in runs
            if len(run) > 1
        ]
        return element("g", "".join(paths + dots), class_="series")

    def axes(self, y_label: str, x_label: str, unit: str = "") -> str:
        """Gridlines with y tick labels, both axis lines and both axis titles
        (no x title for an empty `x_label`: an upper panel shares the lower one's)."""
        top, bottom = self.top, self.bottom
        parts = []
        for tick in self.ticks:
            y = self.y_of(tick)
            parts.append(element("line", x1=LEFT, x2=RIGHT, y1=y, y2=y, stroke="#e5e7eb"))
            parts.append(text(LEFT - 8, y + 4, compact(tick) + unit, text_anchor="end"))
        parts.append(element("line", x1=LEFT, x2=LEFT, y1=top, y2=bottom, stroke="#374151"))
        parts.append(element("line", x1=LEFT, x2=RIGHT, y1=bottom, y2=bottom, stroke="#374151"))
        middle = (top + bottom) / 2
        parts.append(
            text(18, middle, y_label, text_anchor="middle", transform=f"rotate(-90 18 {middle})")
        )
        if x_label:
            parts.append(text((LEFT + RIGHT) / 2, bottom + 68, x_label, text_anchor="middle"))
        return element("g", "".join(parts), class_="axes")

    def hline(self, value: float, label: str, colour: str) -> str:
        """A dashed horizontal line across the plot at `value` (a threshold), named at its end."""
        y = self.y_of(value)
        line = element(
            "line",
            x1=LEFT,
            x2=RIGHT,
            y1=y,
            y2=y,
            stroke=colour,
            stroke_dasharray="4 3",
            class_="threshold",
            data_value=value,
        )
        return element("g", line + text(RIGHT - 4, y - 4, label, text_anchor="end", fill=colour))

    def category_labels(self) -> str:
        """Labels under each slot; turned 40° when they would overlap their neighbours."""
        longest = max((len(category) for category in self.categories), default=0)
        turned = CHAR_WIDTH * longest + 8 > self.slot(0)[1]
        parts = []
        every = max(1, math.ceil(len(self.categories) * 20 / (RIGHT - LEFT)))  # ≥ 20 px apart
        for index, category in enumerate(self.categories):
            if index % every:
                continue
            left, width = self.slot(index)
            x, y = left + width / 2, self.bottom + 18
            if turned:
                rotate = f"rotate(-40 {x:.1f} {y})"
                parts.append(text(x, y, category, text_anchor="end", transform=rotate))
            else:
                parts.append(text(x, y, category, text_anchor="middle"))
        return element("g", "".join(parts), class_="x-labels")


def legend(entries: Sequence[tuple[str, str]]) -> str:
    """(name, colour) swatches along the bottom edge, wrapping onto a second row."""
    parts = []
    x, y = LEFT, HEIGHT - 36.0
    for name, colour in entries:
        width = 24 + CHAR_WIDTH * len(name)
        if x + width > WIDTH - 8:
            x, y = LEFT, y + 18
        parts.append(element("rect", x=x, y=y - 10, width=12, height=12, fill=colour))
        parts.append(text(x + 16, y, name))
        x += width
    return element("g", "".join(parts), class_="legend")
