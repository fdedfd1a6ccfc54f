"""The rule file is loaded and validated when the app is built: a bad one stops the start."""

import pytest

from radar_health.main import bootstrap, create_app, main, spec
from radar_health.parts import HealthParts
from radar_health.settings import HealthSettings
from radar_runtime.rules import RuleFileError


def test_the_users_rule_file_is_laid_over_the_defaults(tmp_path):
    rules = tmp_path / "health.toml"
    rules.write_text("[scorecard.enterprise.weights]\nrelationship = 20\n")
    app = create_app(HealthSettings(rules_path=rules))
    rules = app.state.parts.rules
    assert rules.scorecard.for_segment("enterprise").weights.relationship == 20
    assert rules.scorecard.for_segment("smb").weights.relationship == 10


def test_an_invalid_rule_file_stops_the_app_with_every_problem_named(tmp_path):
    rules = tmp_path / "health.toml"
    rules.write_text("[scorecard.weights]\nusage_trend = -1\n[rules.engagement_silent]\ndays = 0\n")
    with pytest.raises(RuleFileError) as raised:
        create_app(HealthSettings(rules_path=rules))
    message = str(raised.value)
    assert f"{rules}: scorecard.weights.usage_trend: must be ≥ 0" in message
    assert f"{rules}: rules.engagement_silent.days: must be > 0" in message


def test_the_process_exits_with_the_errors_instead_of_serving(tmp_path, monkeypatch, capsys):
    rules = tmp_path / "health.toml"
    rules.write_text("version = 2\n")
    monkeypatch.setenv("RADAR_HEALTH_CONFIG_PATH", str(rules))
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2
    assert "version: must be 1" in capsys.readouterr().err


def test_the_rule_file_is_named_by_the_variable_deployments_use(tmp_path, monkeypatch):
    rules = tmp_path / "health.toml"
    rules.write_text("[rules.engagement_silent]\ndays = 30\n")
    monkeypatch.setenv("RADAR_HEALTH_CONFIG_PATH", str(rules))
    assert HealthSettings().rules_path == rules
    assert bootstrap(HealthSettings()).rules.alerts.engagement_silent.days == 30


def test_the_parts_are_built_up_front_and_declared_once():
    parts = bootstrap(HealthSettings())
    assert isinstance(parts, HealthParts)
    declared = spec(parts)
    assert declared.workers == [parts.usage_worker]
    assert [job.name for job in declared.jobs] == ["health-recompute-all"]
    assert declared.consumes == ("cs.crm.v1", "cs.support.v1", "cs.usage.v1")
    assert declared.produces == ("cs.alerts.v1", "cs.health.v1")
    assert (
        declared.routes is not None and declared.routes.after == parts.recomputer.recompute_touched
    )
    assert create_app(HealthSettings()).state.parts is not parts  # each app its own parts
