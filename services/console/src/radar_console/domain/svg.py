"""Small inline SVG drawings (no script, no external asset): a sparkline and a score
chart with its band thresholds. Coordinates only; the templates draw them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


def sparkline(values: Sequence[float], width: int = 100, height: int = 24) -> str:
    """The `points` of a polyline through `values` on a 0–100 scale; "" for < 2 values."""
    if len(values) < 2:
        return ""
    step = width / (len(values) - 1)
    return " ".join(
        f"{index * step:.1f},{height - max(0.0, min(100.0, value)) / 100 * height:.1f}"
        for index, value in enumerate(values)
    )


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    points: str
    thresholds: tuple[tuple[str, float], ...]  # (band, y)
    first: str
    last: str


def score_chart(
    points: Sequence[tuple[str, float]],
    thresholds: Sequence[tuple[str, float]],
    width: int = 640,
    height: int = 200,
) -> Chart:
    """Score over time (already in event-time order) with lines at the band thresholds."""
    values = [value for _, value in points]
    return Chart(
        width=width,
        height=height,
        points=sparkline(values, width, height),
        thresholds=tuple((band, height - limit / 100 * height) for band, limit in thresholds),
        first=points[0][0] if points else "",
        last=points[-1][0] if points else "",
    )
