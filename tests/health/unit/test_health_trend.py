from datetime import datetime

import pytest
from health_factories import AS_OF, ago

from radar_health.domain.trend import score_trend

HISTORY: list[tuple[datetime, float]] = [
    (ago(45), 90.0),
    (ago(31), 85.0),
    (ago(30), 80.0),  # exactly 30 days ago
    (ago(20), 72.0),
    (ago(8), 70.0),
    (ago(6), 65.0),  # after the 7-day instant
    (ago(0, hours=1), 55.0),
    (ago(-1), 10.0),  # after as_of: ignored
]


def test_scores_7_and_30_days_ago_are_the_latest_points_at_or_before_those_instants() -> None:
    trend = score_trend(HISTORY, AS_OF)
    assert trend.current == 55.0
    assert trend.score_7d_ago == 70.0
    assert trend.score_30d_ago == 80.0
    assert trend.delta_7d == -15.0
    assert trend.delta_30d == -25.0
    assert trend.past_score(30).at == ago(30)


def test_current_score_can_be_given() -> None:
    trend = score_trend(HISTORY, AS_OF, current=50.0)
    assert (trend.current, trend.delta_30d) == (50.0, -30.0)


def test_history_that_does_not_reach_back_gives_none() -> None:
    trend = score_trend([(ago(10), 70.0), (ago(1), 60.0)], AS_OF)
    assert trend.score_7d_ago == 70.0
    assert trend.score_30d_ago is None
    assert trend.delta_30d is None


def test_empty_history() -> None:
    trend = score_trend([], AS_OF)
    assert (trend.current, trend.score_7d_ago, trend.delta_7d) == (None, None, None)


def test_order_of_the_history_is_irrelevant() -> None:
    assert score_trend(list(reversed(HISTORY)), AS_OF) == score_trend(HISTORY, AS_OF)


def test_other_lookbacks_on_request() -> None:
    trend = score_trend(HISTORY, AS_OF, lookback_days=(14, 7, 30))
    assert trend.score_days_ago(14) == 72.0
    with pytest.raises(KeyError, match="no 90-day lookback"):
        trend.score_days_ago(90)
