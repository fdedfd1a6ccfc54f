from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from health_factories import AS_OF, TODAY, day_ago

from radar_health.domain.instants import days_until, utc_day
from radar_health.domain.signals import (
    active_usage_by_day,
    compare_usage_windows,
    distinct_active_users,
    is_active_usage_metric,
    recent_vs_baseline,
    window_total,
)


def test_utc_day_buckets_by_utc_not_local_time() -> None:
    late_evening_in_new_york = datetime(2025, 6, 14, 22, 30, tzinfo=timezone(timedelta(hours=-4)))
    assert utc_day(late_evening_in_new_york) == date(2025, 6, 15)


def test_naive_instants_are_rejected() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        utc_day(datetime(2025, 6, 15, 12))


def test_window_total_covers_whole_days_before_end_and_excludes_end() -> None:
    daily = {TODAY: 1000.0, day_ago(1): 1.0, day_ago(30): 2.0, day_ago(31): 4.0}
    assert window_total(daily, TODAY, 30) == 3.0


def test_compare_usage_windows_last_30_vs_previous_30_by_event_day() -> None:
    daily = {TODAY: 999.0, day_ago(1): 100.0, day_ago(30): 312.0, day_ago(31): 600.0}
    daily[day_ago(61)] = 50.0  # older than both windows
    comparison = compare_usage_windows(daily, AS_OF, 30)
    assert (comparison.recent, comparison.previous) == (412.0, 600.0)
    assert comparison.change_percent == pytest.approx(-31.333, abs=1e-3)


def test_change_needs_a_baseline() -> None:
    comparison = compare_usage_windows({day_ago(1): 50.0}, AS_OF, 30)
    assert comparison.change_percent is None


def test_recent_vs_baseline_is_last_7_days_against_weekly_mean_of_28_before() -> None:
    daily = {day_ago(offset): 10.0 for offset in range(1, 8)}  # 70 in the last 7 days
    daily |= {day_ago(offset): 20.0 for offset in range(8, 36)}  # 560 over 28 days → 140 / week
    daily[day_ago(36)] = 1000.0  # before the baseline
    usage = recent_vs_baseline(daily, AS_OF, 7, 28)
    assert (usage.recent, usage.baseline_mean) == (70.0, 140.0)
    assert usage.ratio_percent == 50.0


def test_recent_vs_baseline_without_baseline_has_no_ratio() -> None:
    assert recent_vs_baseline({day_ago(1): 5.0}, AS_OF, 7, 28).ratio_percent is None


def test_active_usage_metrics_match_exact_names_and_patterns() -> None:
    patterns = ["logins", "feature.*"]
    assert is_active_usage_metric("logins", patterns)
    assert is_active_usage_metric("feature.reports", patterns)
    assert not is_active_usage_metric("api_calls", patterns)
    assert not is_active_usage_metric("login", patterns)


def test_active_usage_by_day_sums_only_active_metrics() -> None:
    rows = [
        (day_ago(1), "logins", 5.0),
        (day_ago(1), "feature.export", 2.0),
        (day_ago(1), "api_calls", 900.0),
        (day_ago(2), "logins", 1.0),
    ]
    assert active_usage_by_day(rows, ["logins", "feature.*"]) == {day_ago(1): 7.0, day_ago(2): 1.0}


def test_distinct_active_users_counts_users_seen_in_the_last_30_days_including_today() -> None:
    last_seen = {"u1": TODAY, "u2": day_ago(29), "u3": day_ago(30), "u4": day_ago(90)}
    assert distinct_active_users(last_seen, AS_OF, 30) == 2


def test_distinct_active_users_is_none_when_no_user_was_ever_seen() -> None:
    assert distinct_active_users({}, AS_OF, 30) is None
    assert distinct_active_users({"u1": day_ago(300)}, AS_OF, 30) == 0


def test_days_until_counts_whole_utc_days() -> None:
    assert days_until(TODAY + timedelta(days=180), AS_OF) == 180
    assert days_until(day_ago(3), AS_OF) == -3
    assert days_until(date(2025, 6, 16), datetime(2025, 6, 15, 23, 59, tzinfo=UTC)) == 1
