from pathlib import Path
from typing import Any

import pytest
from health_factories import rules_with

from radar_health.domain.scorecard import Measure
from radar_health.rules import PACKAGE, HealthRules
from radar_runtime.rules import RuleFileError, RuleIssue, load_rules
from radar_schemas.common import Severity


def load(path: Path | None = None) -> HealthRules:
    return load_rules(HealthRules, PACKAGE, path)


def test_defaults_carry_the_domain_doc_numbers() -> None:
    rules = load()
    card = rules.scorecard
    assert {m.value: card.weights.of(m) for m in Measure} == {
        "usage_trend": 25,
        "license_utilization": 20,
        "support_load": 15,
        "satisfaction": 15,
        "engagement_recency": 15,
        "relationship": 10,
    }
    assert (card.bands.green, card.bands.yellow) == (70, 40)
    assert (card.usage_trend.full_at, card.usage_trend.zero_at) == (10, -50)
    assert (card.license_utilization.full_at, card.license_utilization.zero_at) == (80, 20)
    assert (card.support_load.full_at, card.support_load.zero_at) == (0, 10)
    weights = card.support_load.priority_weights
    assert (weights.urgent, weights.high, weights.normal, weights.low) == (4, 2, 1, 0.5)
    assert card.support_load.escalation_weight == 3
    assert (card.satisfaction.full_at, card.satisfaction.zero_at) == (9, 4)
    assert card.satisfaction.window_days == 180
    assert (card.engagement_recency.full_at, card.engagement_recency.zero_at) == (14, 90)
    assert card.relationship.levels.both_present == 100
    assert card.relationship.levels.left_none_named == 0

    alerts = rules.alerts
    assert (alerts.sharp_decline.points, alerts.sharp_decline.window_days) == (20, 30)
    drop = alerts.usage_sharp_drop
    assert (drop.recent_days, drop.baseline_days, drop.threshold_percent) == (7, 28, 60)
    assert alerts.engagement_silent.days == 45
    assert alerts.champion_left.near_renewal_days == 180
    assert alerts.champion_left.near_renewal_severity is Severity.CRITICAL
    assert alerts.nps_detractor.max_score == 6
    assert alerts.band_dropped.to_red_severity is Severity.CRITICAL
    assert rules.active_usage_metrics == ("logins",)
    names = [card.name for card in rules.scorecard.every_card]
    assert names == ["default", "smb", "mid_market", "enterprise"]
    assert alerts.trend_lookback_days == (7, 30)


def test_a_file_is_laid_over_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "health.toml"
    path.write_text(
        'active_usage_metrics = ["logins", "feature.*"]\n'
        "[scorecard.enterprise.weights]\nrelationship = 30\n"
        "[rules.engagement_silent]\ndays = 30\n"
    )
    rules = load(path)
    assert rules.active_usage_metrics == ("logins", "feature.*")
    assert rules.scorecard.for_segment("enterprise").weights.relationship == 30
    assert rules.scorecard.for_segment("enterprise").weights.usage_trend == 25
    assert rules.scorecard.for_segment("smb").weights.relationship == 10
    assert rules.alerts.engagement_silent.days == 30
    assert rules.alerts.engagement_silent.actions == load().alerts.engagement_silent.actions


def test_a_segment_inherits_a_changed_default() -> None:
    rules = rules_with({"scorecard": {"bands": {"green": 75}}})
    assert rules.scorecard.for_segment("smb").bands.green == 75


def test_trend_lookbacks_include_the_sharp_decline_window() -> None:
    rules = rules_with({"rules": {"sharp_decline": {"window_days": 14}}})
    assert rules.alerts.trend_lookback_days == (7, 14, 30)


def problems(overrides: dict[str, Any]) -> list[str]:
    with pytest.raises(RuleFileError) as caught:
        rules_with(overrides, "health.toml")
    assert caught.value.source == "health.toml"
    return [str(issue) for issue in caught.value.issues]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        (
            {"scorecard": {"enterprise": {"weights": {"usage_trend": -1}}}},
            "scorecard.enterprise.weights.usage_trend: must be ≥ 0",
        ),
        (
            {"scorecard": {"weights": {m.value: 0 for m in Measure}}},
            "scorecard.weights: weights must not all be zero",
        ),
        (
            {"scorecard": {"smb": {"weights": {m.value: 0 for m in Measure}}}},
            "scorecard.smb.weights: weights must not all be zero",
        ),
        (
            {"scorecard": {"bands": {"green": 40, "yellow": 40}}},
            "scorecard.bands: green (40) must be above yellow (40)",
        ),
        (
            {"scorecard": {"bands": {"green": 120}}},
            "scorecard.bands.green: must be ≤ 100",
        ),
        (
            {"scorecard": {"usage_trend": {"full_at": -50}}},
            "scorecard.usage_trend: full_at and zero_at must differ (both -50)",
        ),
        (
            {"scorecard": {"usage_trend": {"window_days": 0}}},
            "scorecard.usage_trend.window_days: must be > 0",
        ),
        (
            {"scorecard": {"satisfaction": {"window_days": 30.5}}},
            "scorecard.satisfaction.window_days: must be a whole number",
        ),
        (
            {"scorecard": {"engagement_recency": {"full_at": "soon"}}},
            "scorecard.engagement_recency.full_at: must be a number",
        ),
        ({"scorecard": {"weigths": {}}}, "scorecard.weigths: unknown setting"),
        ({"scorecard": {"startup": {}}}, "scorecard.startup: unknown setting"),
        ({"scorecard": {"enterprise": 3}}, "scorecard.enterprise: must be a table"),
        (
            {"rules": {"champion_left": {"severity": "urgent"}}},
            "rules.champion_left.severity: must be 'info', 'warning' or 'critical'",
        ),
        (
            {"rules": {"support_escalation": {"priorities": ["urgent", "asap"]}}},
            "rules.support_escalation.priorities[1]: must be 'low', 'normal', 'high' or 'urgent'",
        ),
        (
            {"rules": {"nps_detractor": {"max_score": 11}}},
            "rules.nps_detractor.max_score: must be ≤ 10",
        ),
        (
            {"rules": {"usage_sharp_drop": {"actions": ["Call", " "]}}},
            "rules.usage_sharp_drop.actions: actions must not be blank",
        ),
        ({"active_usage_metrics": []}, "active_usage_metrics: name at least one metric"),
        ({"active_usage_metrics": [" "]}, "active_usage_metrics: metric names must not be blank"),
        (
            {"rules": {"champion_left": {"roles": []}}},
            "rules.champion_left.roles: must have at least 1 item(s)",
        ),
        ({"version": 2}, "version: must be 1"),
        ({"colour": "blue"}, "colour: unknown setting"),
    ],
)
def test_rule_file_errors_name_the_key_and_the_reason(
    overrides: dict[str, Any], expected: str
) -> None:
    assert problems(overrides) == [expected]


def test_every_problem_is_reported_at_once_with_the_file_name() -> None:
    with pytest.raises(RuleFileError) as caught:
        rules_with(
            {
                "scorecard": {"weights": {"relationship": -2}},
                "rules": {"engagement_silent": {"days": 0}},
            },
            "health.toml",
        )
    assert str(caught.value) == (
        "health.toml: scorecard.weights.relationship: must be ≥ 0\n"
        "health.toml: rules.engagement_silent.days: must be > 0"
    )
    assert caught.value.issues[0] == RuleIssue("scorecard.weights.relationship", "must be ≥ 0")


def test_invalid_toml_is_a_rule_file_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[scorecard.weights\nusage_trend = 1\n")
    with pytest.raises(RuleFileError, match=r"broken\.toml: invalid TOML: .*line 1"):
        load(path)


def test_missing_file_is_a_rule_file_error(tmp_path: Path) -> None:
    with pytest.raises(RuleFileError, match=r"absent\.toml: cannot read: No such file"):
        load(tmp_path / "absent.toml")
