"""health.band_dropped and health.sharp_decline."""

from health_factories import (
    ACCOUNT,
    AS_OF,
    ago,
    alert_rules,
    default_card,
    evaluate,
    health,
    of_rule,
    signals,
    usage_days,
)

from radar_health.domain.alerts import (
    ActiveAlert,
    AlertChanges,
    Condition,
    ResolveReason,
    apply_changes,
    diff_alerts,
)
from radar_health.domain.bands import band_rank
from radar_health.domain.scoring import HealthScore, compute_health
from radar_health.domain.trend import score_trend
from radar_schemas.common import AlertRule, Band, Severity

RED_KEY = f"health.band_dropped:{ACCOUNT}:red"
YELLOW_KEY = f"health.band_dropped:{ACCOUNT}:yellow"


def band_conditions(previous: float | None, current: float | None) -> list[Condition]:
    before = None if previous is None else health(previous)
    return of_rule(
        evaluate(current=health(current), previous=before), AlertRule.HEALTH_BAND_DROPPED
    )


def raising(conditions: list[Condition]) -> dict[str, Severity]:
    return {c.dedup_key: c.severity for c in conditions if not c.sustain_only}


def test_green_to_yellow_raises_a_warning() -> None:
    conditions = band_conditions(75.0, 60.0)
    assert raising(conditions) == {YELLOW_KEY: Severity.WARNING}
    [yellow] = conditions
    assert yellow.title == "Health dropped to yellow"
    assert yellow.summary == "Health score 60 (yellow, was green)."


def test_a_held_drop_names_the_band_it_came_from_only_when_it_moved() -> None:
    [held] = band_conditions(62.0, 60.0)
    assert held.sustain_only
    assert held.summary == "Health score 60 (yellow)."
    [recovered] = band_conditions(30.0, 55.0)
    assert recovered.summary == "Health score 55 (yellow, was red)."


def test_falling_to_red_is_critical_from_green_or_yellow() -> None:
    assert raising(band_conditions(60.0, 30.0)) == {RED_KEY: Severity.CRITICAL}
    from_green = band_conditions(80.0, 30.0)
    assert raising(from_green) == {RED_KEY: Severity.CRITICAL}
    assert {c.dedup_key for c in from_green if c.sustain_only} == {YELLOW_KEY}


def test_no_drop_raises_nothing() -> None:
    for previous, current in [(60.0, 60.0), (60.0, 75.0), (30.0, 55.0), (30.0, 20.0)]:
        assert raising(band_conditions(previous, current)) == {}
    assert band_conditions(75.0, 80.0) == []


def test_first_or_unscored_previous_is_not_a_drop() -> None:
    assert raising(band_conditions(None, 20.0)) == {}
    assert raising(band_conditions(None, 20.0) + band_conditions(None, 60.0)) == {}
    unscored_before = of_rule(
        evaluate(current=health(20.0), previous=health(None)), AlertRule.HEALTH_BAND_DROPPED
    )
    assert raising(unscored_before) == {}


def test_unscored_current_holds_nothing() -> None:
    assert band_conditions(80.0, None) == []


def run(scores: list[float]) -> list[AlertChanges]:
    """Recompute after recompute, carrying the open alerts like the service would."""
    active: dict[str, ActiveAlert] = {}
    previous: HealthScore | None = None
    history = []
    for score in scores:
        current = health(score)
        changes = diff_alerts(active, evaluate(current=current, previous=previous), AS_OF)
        active = apply_changes(active, changes)
        history.append(changes)
        previous = current
    return history


def summary(changes: AlertChanges) -> tuple[list[str], list[str]]:
    return (
        [c.dedup_key.rsplit(":", 1)[1] for c in changes.raised],
        [r.alert.dedup_key.rsplit(":", 1)[1] for r in changes.resolved],
    )


def test_band_drop_holds_while_the_band_stays_at_or_below_and_resolves_on_recovery() -> None:
    steps = run([80, 60, 55, 30, 25, 50, 65, 75])
    assert [summary(s) for s in steps] == [
        ([], []),  # green
        (["yellow"], []),  # green → yellow: warning
        ([], []),  # still yellow: held, not repeated
        (["red"], []),  # yellow → red: critical beside the warning
        ([], []),  # still red
        ([], ["red"]),  # back to yellow: the critical resolves, the warning holds
        ([], []),
        ([], ["yellow"]),  # green again
    ]


def test_recovery_from_red_does_not_raise_a_yellow_warning() -> None:
    steps = run([80, 20, 50, 50])
    assert [summary(s) for s in steps] == [([], []), (["red"], []), ([], ["red"]), ([], [])]


def test_band_drop_drivers_name_the_weakest_measures() -> None:
    current = compute_health(
        signals(daily_active_usage=usage_days(300, 600), last_engagement_at=ago(10)),
        default_card(),
        AS_OF,
    )
    [red] = of_rule(
        evaluate(current=current, previous=health(80.0)), AlertRule.HEALTH_BAND_DROPPED
    )[:1]
    assert [d.name for d in red.drivers] == ["health_score", "usage_trend", "engagement_recency"]
    assert red.drivers[1].explanation.endswith("(−50 %)")
    assert red.recommended_actions[1] == "Schedule a check-in with the champion"


def decline(history: list[tuple[float, float]], current: float) -> list[Condition]:
    trend = score_trend([(ago(days), score) for days, score in history], AS_OF, current=current)
    return of_rule(evaluate(current=health(current), trend=trend), AlertRule.HEALTH_SHARP_DECLINE)


def test_sharp_decline_fires_on_a_fall_of_exactly_20_points_in_30_days() -> None:
    [fell] = decline([(30, 80.0)], 60.0)
    assert fell.dedup_key == f"health.sharp_decline:{ACCOUNT}"
    assert fell.severity is Severity.WARNING
    assert fell.title == "Health fell 20 points in 30 days"
    assert fell.summary == "Health score 60; 30 days ago it was 80."
    assert fell.drivers[0].value == -20.0


def test_sharp_decline_does_not_fire_below_20_points_or_without_history() -> None:
    assert decline([(30, 80.0)], 60.1) == []
    assert decline([(20, 90.0)], 40.0) == []  # history only reaches 20 days back
    assert of_rule(evaluate(current=health(40.0)), AlertRule.HEALTH_SHARP_DECLINE) == []


def test_sharp_decline_compares_with_the_score_30_days_ago_not_the_peak() -> None:
    assert decline([(31, 60.0), (30, 61.0), (10, 95.0)], 50.0) == []


def test_sharp_decline_resolves_once_the_fall_is_smaller() -> None:
    active = apply_changes({}, diff_alerts({}, decline([(30, 80.0)], 55.0), AS_OF))
    assert diff_alerts(active, decline([(30, 80.0)], 58.0), AS_OF).is_empty  # still ≥ 20
    changes = diff_alerts(active, decline([(30, 80.0)], 65.0), AS_OF)
    assert [r.reason for r in changes.resolved] == [ResolveReason.CLEARED]


def test_sharp_decline_points_and_window_are_settings() -> None:
    rules = alert_rules(sharp_decline={"points": 10, "window_days": 14})
    trend = score_trend([(ago(14), 70.0)], AS_OF, current=59.0, lookback_days=(7, 14, 30))
    conditions = evaluate(current=health(59.0), trend=trend, rules=rules)
    assert [c.title for c in of_rule(conditions, AlertRule.HEALTH_SHARP_DECLINE)] == [
        "Health fell 11 points in 14 days"
    ]


def test_disabled_rules_hold_nothing() -> None:
    rules = alert_rules(band_dropped={"enabled": False})
    assert evaluate(current=health(20.0), previous=health(80.0), rules=rules) == []


def test_band_severities_are_settings() -> None:
    rules = alert_rules(band_dropped={"to_red_severity": "warning"})
    conditions = evaluate(current=health(20.0), previous=health(50.0), rules=rules)
    assert raising(conditions) == {RED_KEY: Severity.WARNING}
    assert band_rank(Band.RED) < band_rank(Band.YELLOW) < band_rank(Band.GREEN)
