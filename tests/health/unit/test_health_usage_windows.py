"""Loading usage per window segment gives every window the same total as day by day,
and active-usage patterns match in the database as they do in Python."""

import re
from datetime import timedelta
from fnmatch import fnmatchcase

from health_factories import AS_OF, TODAY, default_rules, rules_with
from hypothesis import given
from hypothesis import strategies as st

from radar_health.domain.signals import compare_usage_windows, recent_vs_baseline
from radar_health.domain.usage_windows import UsageSegments, glob_to_regex
from radar_health.rules import HealthRules


def segments_of(rules: HealthRules) -> UsageSegments:
    return UsageSegments.for_rules(rules.scorecard.every_card, rules.alerts.usage_sharp_drop)


def test_default_segments_cut_at_every_window_edge():
    segments = segments_of(default_rules())
    # last 7 | 8–30 | 31–35 | 36–60 days back: 30 vs 30 days and 7 vs the 28 before.
    assert segments.starts == (1, 8, 31, 36)
    assert segments.end == 61
    assert segments.thresholds == [1, 8, 31, 36, 61]
    assert segments.first_day(TODAY) == TODAY - timedelta(days=60)
    assert segments.day_of_bucket(1, TODAY) == TODAY - timedelta(days=1)
    assert segments.day_of_bucket(4, TODAY) == TODAY - timedelta(days=36)


def test_segment_scorecards_and_rule_windows_add_edges():
    rules = rules_with(
        {
            "scorecard": {"enterprise": {"usage_trend": {"window_days": 45}}},
            "rules": {"usage_sharp_drop": {"recent_days": 14, "baseline_days": 56}},
        }
    )
    segments = segments_of(rules)
    assert segments.starts == (1, 15, 31, 46, 61, 71)
    assert segments.end == 91


def bucketed(daily: dict, segments: UsageSegments) -> dict:
    """What the database query returns: one total per segment on its latest day."""
    result: dict = {}
    for day, total in daily.items():
        back = (TODAY - day).days
        if not 1 <= back < segments.end:
            continue
        index = max(i for i, start in enumerate(segments.starts) if start <= back)
        key = segments.day_of_bucket(index + 1, TODAY)
        result[key] = result.get(key, 0) + total
    return result


@given(
    st.dictionaries(
        st.integers(-3, 75).map(lambda back: TODAY - timedelta(days=back)),
        st.integers(0, 1000).map(float),
    )
)
def test_segment_totals_give_every_window_its_exact_sum(daily):
    segments = segments_of(default_rules())
    compact = bucketed(daily, segments)
    full_trend, compact_trend = (compare_usage_windows(d, AS_OF, 30) for d in (daily, compact))
    assert (full_trend.recent, full_trend.previous) == (
        compact_trend.recent,
        compact_trend.previous,
    )
    full_drop, compact_drop = (recent_vs_baseline(d, AS_OF, 7, 28) for d in (daily, compact))
    assert (full_drop.recent, full_drop.baseline_mean) == (
        compact_drop.recent,
        compact_drop.baseline_mean,
    )


_metric = st.from_regex(r"[a-z][a-z0-9_]{0,6}(\.[a-z0-9][a-z0-9_-]{0,5}){0,2}", fullmatch=True)
_pattern = st.lists(
    st.sampled_from(["*", "?", ".", "feature", "logins", "a", "[ab]", "[!a]", "_", "-", "["]),
    min_size=1,
    max_size=5,
).map("".join)


@given(_pattern, _metric)
def test_glob_patterns_match_as_fnmatch_does(pattern, metric):
    assert bool(re.match(glob_to_regex(pattern), metric)) == fnmatchcase(metric, pattern)


def test_glob_examples():
    assert glob_to_regex("feature.*") == r"^feature\..*$"
    assert glob_to_regex("logins") == "^logins$"
    assert glob_to_regex("api_call?") == "^api_call.$"
    assert glob_to_regex("[!x]y") == "^[^x]y$"
