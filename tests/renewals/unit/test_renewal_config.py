from pathlib import Path

import pytest
from renewals_factories import CONFIG, config_with

from radar_renewals.domain.policy import ConfigError, TimingRules, load_config


def test_shipped_defaults_match_the_documented_timing() -> None:
    timing = CONFIG.timing.for_segment(None)

    assert timing == TimingRules()  # the Python defaults and defaults.toml agree
    assert (timing.early_before_days, timing.grace_days, timing.tolerance_days) == (30, 7, 90)
    assert (timing.window_days, timing.prepare_days, timing.sign_days) == (120, 90, 30)
    assert timing.at_risk_days == 120
    assert (CONFIG.risk.bands.medium, CONFIG.risk.bands.high) == (30, 60)


def test_a_segment_overrides_only_what_it_names() -> None:
    config = config_with(
        {"timing": {"grace_days": 10, "segments": {"enterprise": {"window_days": 180}}}}
    )

    enterprise = config.timing.for_segment("enterprise")
    smb = config.timing.for_segment("smb")

    assert enterprise.window_days == 180
    assert enterprise.grace_days == 10  # inherited from [timing], not the Python default
    assert smb.window_days == 120
    assert smb.grace_days == 10
    assert config.timing.for_segment("unknown-segment").grace_days == 10


def test_sign_after_prepare_is_reported_at_the_segment_key() -> None:
    with pytest.raises(ConfigError) as raised:
        config_with({"timing": {"segments": {"enterprise": {"sign_days": 100}}}})

    assert raised.value.problems == [
        ("timing.segments.enterprise.sign_days", "100 must not exceed prepare_days (90)")
    ]
    assert str(raised.value).startswith("test.toml: timing.segments.enterprise.sign_days:")


@pytest.mark.parametrize(
    ("overrides", "key", "reason_part"),
    [
        ({"timing": {"grace_days": -1}}, "timing.grace_days", "greater than or equal to 0"),
        ({"timing": {"grace_days": "7"}}, "timing.grace_days", "valid integer"),
        ({"timing": {"prepare_days": 150}}, "timing.prepare_days", "window_days (120)"),
        ({"timing": {"tolerance_days": 5}}, "timing.tolerance_days", "grace_days (7)"),
        ({"timing": {"windw_days": 3}}, "timing.windw_days", "unknown key"),
        ({"risk": {"bands": {"high": 20}}}, "risk.bands.high", "above medium"),
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
    ],
)
def test_invalid_values_name_the_dotted_key_and_reason(
    overrides: dict[str, object], key: str, reason_part: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        config_with(overrides)

    keys = [problem_key for problem_key, _ in raised.value.problems]
    reasons = " ".join(reason for _, reason in raised.value.problems)
    assert keys == [key]
    assert reason_part in reasons


def test_load_config_lays_a_user_file_over_the_defaults(tmp_path: Path) -> None:
    path = tmp_path / "renewals.toml"
    path.write_text("[timing.segments.smb]\ngrace_days = 3\n", encoding="utf-8")

    config = load_config(path)

    assert config.timing.for_segment("smb").grace_days == 3
    assert config.timing.for_segment("enterprise").grace_days == 7
    assert config.risk == CONFIG.risk


def test_load_config_names_the_file_on_bad_toml_and_missing_files(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[timing\n", encoding="utf-8")

    with pytest.raises(ConfigError, match=r"broken\.toml: <file>: invalid TOML"):
        load_config(broken)
    with pytest.raises(ConfigError, match=r"absent\.toml: <file>: file not found"):
        load_config(tmp_path / "absent.toml")
