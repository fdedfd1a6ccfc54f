"""The account page's view: the score's components, what changed between two points,
the renewal and the alerts, from what the services answered."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

# Where the bands begin when the health service does not say (its packaged defaults).
DEFAULT_BANDS = (("green", 70.0), ("yellow", 40.0))


MEASURES = {
    "usage_trend": "Usage trend",
    "license_utilization": "License utilization",
    "support_load": "Support load",
    "satisfaction": "Satisfaction (NPS, CSAT)",
    "engagement_recency": "Engagement recency",
    "relationship": "Relationship",
}
COMPARE_DAYS = 30


def measure_label(measure: str) -> str:
    return MEASURES.get(measure, measure.replace("_", " ").capitalize())


@dataclass(frozen=True)
class Move:
    """One measure that moved between two points, as the health API answered."""

    measure: str
    label: str
    from_value: float | None
    to_value: float | None
    from_sub_score: float | None
    to_sub_score: float | None
    change: float | None  # sub-score points; None when it gained or lost its data
    from_text: str  # the explanation, or why it had no data
    to_text: str


def moves_of(changes: Mapping[str, Any]) -> list[Move]:
    """The health API's moves (largest first, as it sorted them) ready to show."""
    return [
        Move(
            measure=m["measure"],
            label=measure_label(m["measure"]),
            from_value=m["from_value"],
            to_value=m["to_value"],
            from_sub_score=m["from_sub_score"],
            to_sub_score=m["to_sub_score"],
            change=m["sub_score_change"],
            from_text=m["from_explanation"] or f"no data: {m['from_missing'] or 'not scored'}",
            to_text=m["to_explanation"] or f"no data: {m['to_missing'] or 'not scored'}",
        )
        for m in changes["moves"]
    ]


def _instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def compared_points(
    points: Sequence[tuple[str, float]],
    start: str | None,
    end: str | None,
    days: int = COMPARE_DAYS,
) -> tuple[str, str] | None:
    """The two instants to compare: the ones picked (earlier first), else the latest point
    and the last point at least `days` before it (the first point when none is that old).
    None without two points to compare."""
    if start and end:
        first, second = sorted((start, end), key=_instant)
        return (first, second) if first != second else None
    if len(points) < 2:
        return None
    latest = points[-1][0]
    target = _instant(latest) - timedelta(days=days)
    older = [at for at, _ in points[:-1] if _instant(at) <= target]
    return (older[-1] if older else points[0][0]), latest


def point_choices(points: Sequence[tuple[str, float]], limit: int = 120) -> list[tuple[str, float]]:
    """The points offered in the compare form, newest first (at most `limit`)."""
    return list(reversed(points))[:limit]


def score_points(history: Iterable[Mapping[str, Any]]) -> list[tuple[str, float]]:
    """(event time, shown score) in event-time order."""
    points = [
        (
            str(point["at"]),
            float(
                point["effective_score"]
                if point.get("effective_score") is not None
                else point["score"]
            ),
        )
        for point in history
    ]
    return sorted(points, key=lambda point: point[0])


def split_alerts(
    alerts: Sequence[Mapping[str, Any]],
) -> tuple[list[Mapping[str, Any]], list[Mapping[str, Any]]]:
    """Open (raised, acked or snoozed) and past (resolved) alerts."""
    open_ = [alert for alert in alerts if alert.get("state") != "resolved"]
    past = [alert for alert in alerts if alert.get("state") == "resolved"]
    return open_, past
