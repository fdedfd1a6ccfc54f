"""The account page's and book's charts, drawn by radar_charts (plain values in, SVG out):
the score over event time with its band thresholds, usage over time, a 30-day trend."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, time
from typing import Any

from radar_charts import score_history_chart, sparkline, usage_chart

from .formats import score as score_text


def score_svg(points: Sequence[tuple[str, float]], bands: Sequence[tuple[str, float]]) -> str:
    """The shown score at each history point (event-time order); "" without points."""
    if not points:
        return ""
    return score_history_chart(
        [short_instant(at) for at, _ in points],
        [value for _, value in points],
        dict(bands),
        title="Health score over event time",
    )


def short_instant(text: str) -> str:
    """An axis label: "12-05" for a day's close (midnight UTC), "12-05 07:22" otherwise."""
    at = datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
    return at.strftime("%m-%d") if at.time() == time() else at.strftime("%m-%d %H:%M")


def usage_svg(usage: Mapping[str, Any]) -> str:
    """One line per usage metric per day; "" when the account used nothing in the window."""
    metrics = usage.get("metrics") or {}
    if not any(any(values) for values in metrics.values()):
        return ""
    days = [day[5:] for day in usage["days"]]  # MM-DD: short enough to stand upright
    return usage_chart(days, metrics, title="Usage per day", unit="per day")


def trend_svg(points: Sequence[Mapping[str, Any]], days: int = 30) -> str:
    """A book row's sparkline of the shown score at each day's last point; "" for fewer
    than two days with a point."""
    if len(points) < 2:
        return ""
    first, last = points[0], points[-1]
    label = (
        f"health score over {days} days: {score_text(first['score'])} on {first['day']}, "
        f"{score_text(last['score'])} on {last['day']}"
    )
    return sparkline([float(point["score"]) for point in points], label=label)
