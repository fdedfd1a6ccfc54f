"""The service's wiring: what it builds, and how it refuses an invalid rule file."""

from pathlib import Path

import pytest

from radar_renewals.main import bootstrap, main, spec
from radar_renewals.settings import RenewalsSettings


def test_an_invalid_rule_file_stops_the_service_naming_file_key_and_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "renewals.toml"
    bad.write_text("[timing]\ngrace_days = -1\n", encoding="utf-8")
    monkeypatch.setenv("RADAR_RENEWALS_CONFIG_PATH", str(bad))

    with pytest.raises(SystemExit) as exited:
        main()

    assert exited.value.code == 2
    printed = capsys.readouterr().err
    assert printed.startswith("radar-renewals: invalid rule file\n")
    assert f"{bad}: timing.grace_days: must be ≥ 0" in printed


def test_bootstrap_reads_the_rule_and_calibration_files(tmp_path: Path) -> None:
    rules = tmp_path / "renewals.toml"
    rules.write_text("[alerts]\nchurned_max_age_days = 3\n", encoding="utf-8")
    fitted = tmp_path / "calibration.toml"
    fitted.write_text("version = 1\n[calibration]\nknots = [[0, 0.9], [100, 0.1]]\n")
    settings = RenewalsSettings(rules_path=rules, calibration_path=fitted)

    parts = bootstrap(settings)

    assert parts.rules.alerts.churned_max_age_days == 3
    assert parts.evaluator.curve.p_renew(50) == pytest.approx(0.5)
    assert parts.refresher.evaluator is parts.evaluator


def test_renewals_consumes_crm_and_health_facts_and_no_topic_it_produces() -> None:
    declared = spec(bootstrap(RenewalsSettings()))

    assert declared.consumes == ("cs.crm.v1", "cs.health.v1")
    assert declared.produces == ("cs.alerts.v1", "cs.renewals.v1")
    assert declared.routes is not None
    assert "alert.raised" not in declared.routes.event_types
