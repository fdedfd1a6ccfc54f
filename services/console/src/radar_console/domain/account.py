"""The account page's view: the score's components, the chart, the renewal and the
alerts, from what the services answered."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

# Where the bands begin when the health service does not say (its packaged defaults).
DEFAULT_BANDS = (("green", 70.0), ("yellow", 40.0))


@dataclass(frozen=True)
class Move:
    """One measure that moved between two points."""

    measure: str
    before: float | None
    after: float | None

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before


def what_changed(
    before: Mapping[str, float | None], after: Mapping[str, float | None], *, at_least: float = 0.5
) -> list[Move]:
    """The measures whose value moved by at least `at_least`, largest move first, then
    those that appeared or went (by name)."""
    moves = []
    for measure in sorted({*before, *after}):
        old, new = before.get(measure), after.get(measure)
        if old is None and new is None:
            continue
        if old is None or new is None or abs(new - old) >= at_least:
            moves.append(Move(measure, old, new))
    return sorted(moves, key=lambda move: (move.change is None, -abs(move.change or 0.0)))


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
