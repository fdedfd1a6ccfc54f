from pathlib import Path
from typing import Any

import pytest

from radar_health.config import ConfigError, ConfigIssue, config_from_mapping, load_config
from radar_health.domain.scorecard import Measure
from radar_schemas.common import Severity


def test_defaults_carry_the_domain_doc_numbers() -> None:
    config = load_config()
    card = config.scorecard
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

    rules = config.rules
    assert (rules.sharp_decline.points, rules.sharp_decline.window_days) == (20, 30)
    drop = rules.usage_sharp_drop
    assert (drop.recent_days, drop.baseline_days, drop.threshold_percent) == (7, 28, 60)
    assert rules.engagement_silent.days == 45
    assert rules.champion_left.near_renewal_days == 180
    assert rules.champion_left.near_renewal_severity is Severity.CRITICAL
    assert rules.nps_detractor.max_score == 6
    assert rules.band_dropped.to_red_severity is Severity.CRITICAL
    assert config.active_usage_metrics == ("logins",)
    assert set(config.segment_scorecards) == {"smb", "mid_market", "enterprise"}
    assert config.usage_history_days == 60
    assert config.trend_lookback_days == (7, 30)


def test_a_file_is_laid_over_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "health.toml"
    path.write_text(
        'active_usage_metrics = ["logins", "feature.*"]\n'
        "[scorecard.enterprise.weights]\nrelationship = 30\n"
        "[rules.engagement_silent]\ndays = 30\n"
    )
    config = load_config(path)
    assert config.active_usage_metrics == ("logins", "feature.*")
    assert config.scorecard_for("enterprise").weights.relationship == 30
    assert config.scorecard_for("enterprise").weights.usage_trend == 25
    assert config.scorecard_for("smb").weights.relationship == 10
    assert config.rules.engagement_silent.days == 30
    assert config.rules.engagement_silent.actions == load_config().rules.engagement_silent.actions


def test_a_segment_inherits_a_changed_default() -> None:
    config = config_from_mapping({"scorecard": {"bands": {"green": 75}}})
    assert config.scorecard_for("smb").bands.green == 75


def test_trend_lookbacks_include_the_sharp_decline_window() -> None:
    config = config_from_mapping({"rules": {"sharp_decline": {"window_days": 14}}})
    assert config.trend_lookback_days == (7, 14, 30)


def problems(overrides: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        config_from_mapping(overrides, "health.toml")
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
def test_config_errors_name_the_key_and_the_reason(
    overrides: dict[str, Any], expected: str
) -> None:
    assert problems(overrides) == [expected]


def test_every_problem_is_reported_at_once_with_the_file_name() -> None:
    with pytest.raises(ConfigError) as caught:
        config_from_mapping(
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
    assert caught.value.issues[0] == ConfigIssue("scorecard.weights.relationship", "must be ≥ 0")


def test_invalid_toml_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[scorecard.weights\nusage_trend = 1\n")
    with pytest.raises(ConfigError, match=r"broken\.toml: invalid TOML: .*line 1"):
        load_config(path)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"absent\.toml: cannot read: No such file"):
        load_config(tmp_path / "absent.toml")
