"""The renewals rule file and the calibration file, through the runtime's one mechanism."""

from datetime import date
from pathlib import Path

import pytest
from renewals_factories import RULES, rules_with

from radar_renewals.domain.calibration import Calibration
from radar_renewals.domain.policy import TimingRules
from radar_renewals.domain.predictions import Backtest, calibration_toml
from radar_renewals.rules import read_rules
from radar_runtime.rules import RuleFileError


def test_shipped_defaults_match_the_documented_timing() -> None:
    timing = RULES.timing.for_segment(None)

    assert timing == TimingRules()  # the Python defaults and defaults.toml agree
    assert (timing.early_before_days, timing.grace_days, timing.tolerance_days) == (30, 7, 90)
    assert (timing.window_days, timing.prepare_days, timing.sign_days) == (120, 90, 30)
    assert timing.at_risk_days == 120
    assert (RULES.risk.bands.medium, RULES.risk.bands.high) == (30, 60)


def test_a_segment_overrides_only_what_it_names() -> None:
    rules = rules_with(
        {"timing": {"grace_days": 10, "segments": {"enterprise": {"window_days": 180}}}}
    )

    enterprise = rules.timing.for_segment("enterprise")
    smb = rules.timing.for_segment("smb")

    assert enterprise.window_days == 180
    assert enterprise.grace_days == 10  # inherited from [timing], not the Python default
    assert smb.window_days == 120
    assert smb.grace_days == 10
    assert rules.timing.for_segment("unknown-segment").grace_days == 10


def test_sign_after_prepare_is_reported_at_the_segment_key() -> None:
    with pytest.raises(RuleFileError) as raised:
        rules_with({"timing": {"segments": {"enterprise": {"sign_days": 100}}}})

    assert [(i.key, i.reason) for i in raised.value.issues] == [
        ("timing.segments.enterprise.sign_days", "100 must not exceed prepare_days (90)")
    ]
    assert str(raised.value).startswith("test.toml: timing.segments.enterprise.sign_days:")


@pytest.mark.parametrize(
    ("overrides", "key", "reason_part"),
    [
        ({"timing": {"grace_days": -1}}, "timing.grace_days", "must be ≥ 0"),
        ({"timing": {"grace_days": "7"}}, "timing.grace_days", "must be a whole number"),
        ({"timing": {"prepare_days": 150}}, "timing.prepare_days", "window_days (120)"),
        ({"timing": {"tolerance_days": 5}}, "timing.tolerance_days", "grace_days (7)"),
        ({"timing": {"windw_days": 3}}, "timing.windw_days", "unknown setting"),
        (
            {"timing": {"segments": {"startup": {}}}},
            "timing.segments.startup.[key]",
            "must be 'smb', 'mid_market' or 'enterprise'",
        ),
        ({"risk": {"bands": {"high": 20}}}, "risk.bands.high", "above medium"),
        (
            {"risk": {"forecast_category": {"maybe": 3}}},
            "risk.forecast_category.maybe.[key]",
            "must be 'pipeline', 'best_case', 'commit', 'closed' or 'omitted'",
        ),
        (
            {"calibration": {"knots": [[0, 0.5], [50, 0.9]]}},
            "calibration.knots",
            "must not increase",
        ),
        (
            {"risk": {"utilisation": {"no_points_at": 0.1}}},
            "risk.utilisation.no_points_at",
            "full_points_at",
        ),
        ({"version": 2}, "version", "must be 1"),
    ],
)
def test_invalid_values_name_the_dotted_key_and_reason(
    overrides: dict[str, object], key: str, reason_part: str
) -> None:
    with pytest.raises(RuleFileError) as raised:
        rules_with(overrides)

    assert [issue.key for issue in raised.value.issues] == [key]
    assert reason_part in raised.value.issues[0].reason


def test_a_user_file_is_laid_over_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "renewals.toml"
    path.write_text("[timing.segments.smb]\ngrace_days = 3\n", encoding="utf-8")

    rules = read_rules(path)

    assert rules.timing.for_segment("smb").grace_days == 3
    assert rules.timing.for_segment("enterprise").grace_days == 7
    assert rules.risk == RULES.risk


def test_bad_toml_and_missing_files_are_named(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[timing\n", encoding="utf-8")

    with pytest.raises(RuleFileError, match=r"broken\.toml: invalid TOML"):
        read_rules(broken)
    with pytest.raises(RuleFileError, match=r"absent\.toml: cannot read"):
        read_rules(tmp_path / "absent.toml")
    with pytest.raises(RuleFileError, match=r"absent\.toml: cannot read"):
        read_rules(calibration_path=tmp_path / "absent.toml")


def test_the_fitted_calibration_file_is_laid_over_the_rules(tmp_path: Path) -> None:
    rules = tmp_path / "renewals.toml"
    rules.write_text("[timing]\ngrace_days = 3\n", encoding="utf-8")
    curve = Calibration(((0.0, 0.9), (50.0, 0.6), (100.0, 0.1)))
    backtest = Backtest(date(2025, 1, 1), date(2025, 12, 31), 90)
    fitted = tmp_path / "calibration.toml"
    fitted.write_text(calibration_toml(curve, backtest, date(2026, 2, 15)), encoding="utf-8")

    loaded = read_rules(rules, fitted)

    assert loaded.calibration.curve().p_renew(25) == pytest.approx(0.75)
    assert loaded.timing.for_segment(None).grace_days == 3  # the rule file still counts


def test_a_calibration_file_may_not_change_other_rules(tmp_path: Path) -> None:
    path = tmp_path / "calibration.toml"
    path.write_text("version = 1\n[timing]\ngrace_days = 3\n", encoding="utf-8")

    with pytest.raises(RuleFileError) as raised:
        read_rules(calibration_path=path)

    assert raised.value.source == str(path)
    assert [issue.key for issue in raised.value.issues] == ["timing"]
    assert "holds only version and [calibration]" in raised.value.issues[0].reason


def test_a_bad_calibration_is_named_in_its_own_file(tmp_path: Path) -> None:
    path = tmp_path / "calibration.toml"
    path.write_text("version = 1\n[calibration]\nknots = [[0, 0.2], [50, 0.9]]\n")

    with pytest.raises(RuleFileError) as raised:
        read_rules(calibration_path=path)

    assert raised.value.source == str(path)
    assert [issue.key for issue in raised.value.issues] == ["calibration.knots"]
