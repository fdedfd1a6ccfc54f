"""Score trend: the score 7 and 30 days ago, so "dropped 25 points in 30 days" is answerable.

The score "N days ago" is the latest history point at or before `as_of − N days`;
None when the history does not reach back that far. The input order is irrelevant;
two points at the same instant resolve to the higher score (any fixed rule would do).
"""

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from radar_health.domain.instants import require_aware

DEFAULT_LOOKBACK_DAYS = (7, 30)


@dataclass(frozen=True, slots=True)
class PastScore:
    days: int
    at: datetime | None  # when the point used was recorded
    score: float | None


@dataclass(frozen=True, slots=True)
class ScoreTrend:
    as_of: datetime
    current: float | None
    past: tuple[PastScore, ...]

    def past_score(self, days: int) -> PastScore:
        for point in self.past:
            if point.days == days:
                return point
        known = ", ".join(str(p.days) for p in self.past)
        raise KeyError(f"no {days}-day lookback in this trend (has: {known})")

    def score_days_ago(self, days: int) -> float | None:
        return self.past_score(days).score

    def delta(self, days: int) -> float | None:
        """Current minus the score `days` ago; negative when the score fell."""
        then = self.score_days_ago(days)
        if self.current is None or then is None:
            return None
        return round(self.current - then, 1)

    @property
    def score_7d_ago(self) -> float | None:
        return self.score_days_ago(7)

    @property
    def score_30d_ago(self) -> float | None:
        return self.score_days_ago(30)

    @property
    def delta_7d(self) -> float | None:
        return self.delta(7)

    @property
    def delta_30d(self) -> float | None:
        return self.delta(30)


def score_trend(
    history: Iterable[tuple[datetime, float]],
    as_of: datetime,
    *,
    current: float | None = None,
    lookback_days: Iterable[int] = DEFAULT_LOOKBACK_DAYS,
) -> ScoreTrend:
    """Trend at `as_of`; `current` defaults to the latest point at or before `as_of`."""
    require_aware(as_of)
    points = sorted(history)
    instants = [at for at, _ in points]

    def latest_at_or_before(instant: datetime) -> tuple[datetime, float] | None:
        index = bisect_right(instants, instant)
        return points[index - 1] if index else None

    if current is None:
        latest = latest_at_or_before(as_of)
        current = latest[1] if latest else None
    past = []
    for days in sorted(set(lookback_days)):
        point = latest_at_or_before(as_of - timedelta(days=days))
        past.append(PastScore(days, point[0] if point else None, point[1] if point else None))
    return ScoreTrend(as_of=as_of, current=current, past=tuple(past))
