"""The notifier's rule file on the runtime's one loader: the shipped defaults, a user's
file deep-merged over them, and every mistake named by file, key and reason."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from notifier_factories import config

from radar_notifier.domain.channels import ChannelKind, ChannelSpec, slack_webhook_env_var
from radar_notifier.domain.durations import parse_duration
from radar_notifier.rules import PACKAGE, NotifierRules
from radar_notifier.senders.slack import webhook_url_problem, webhooks_from_environment
from radar_runtime.rules import RuleFileError, load_rules
from radar_schemas.common import Segment, Severity


def _error(toml: str) -> RuleFileError:
    with pytest.raises(RuleFileError) as caught:
        config(toml)
    return caught.value


def test_the_shipped_defaults() -> None:
    shipped = load_rules(NotifierRules, PACKAGE)
    assert shipped == config()
    assert shipped.timings.repeat_interval == timedelta(hours=24)
    assert shipped.timings.group_wait == timedelta(seconds=30)
    assert shipped.timings.group_interval == timedelta(minutes=5)
    assert shipped.retry.max_attempts == 8
    assert shipped.retry.max_delay == timedelta(minutes=10)
    assert shipped.retry.jitter == "full"
    assert shipped.slack.allowed_webhook_hosts == ("hooks.slack.com",)
    assert [r.name for r in shipped.routes] == ["critical"]
    assert shipped.routes[0].match.min_severity is Severity.CRITICAL
    assert [str(c) for c in shipped.routes[0].channels] == ["email:owner", "email:manager"]
    assert shipped.default_route.name == "default"
    assert [str(c) for c in shipped.default_route.channels] == ["email:owner"]
    assert [r.name for r in shipped.inhibit_rules] == ["critical-mutes-warnings"]


def test_a_user_file_changes_only_what_it_names(tmp_path: Path) -> None:
    """Deep merge: a table merges key by key, everything it does not name stays shipped."""
    path = tmp_path / "notifier.toml"
    path.write_text('[timings]\ngroup_wait = "2m"\n[default_route]\nchannels = ["slack:cs"]\n')
    shipped, mine = config(), load_rules(NotifierRules, PACKAGE, path)
    assert mine.timings.group_wait == timedelta(minutes=2)
    assert mine.timings.group_interval == shipped.timings.group_interval
    assert mine.timings.repeat_interval == shipped.timings.repeat_interval
    assert mine.routes == shipped.routes
    assert mine.inhibit_rules == shipped.inhibit_rules
    assert mine.retry == shipped.retry
    assert mine.default_route.name == "default"
    assert mine.default_route.channels == (ChannelSpec(ChannelKind.SLACK, "cs"),)


def test_a_list_replaces_the_shipped_one_whole() -> None:
    mine = config('[[routes]]\nname = "all-to-slack"\nchannels = ["slack:cs-alerts"]\n')
    assert [r.name for r in mine.routes] == ["all-to-slack"]
    assert [r.name for r in mine.inhibit_rules] == ["critical-mutes-warnings"]
    assert config("inhibit_rules = []").inhibit_rules == ()


def test_full_file_is_parsed(tmp_path: Path) -> None:
    path = tmp_path / "notifier.toml"
    path.write_text(
        """
        [timings]
        repeat_interval = "12h"
        group_wait = 10

        [[routes]]
        name = "renewals"
        match = { rule = "renewal.*", min_severity = "warning", segment = "enterprise" }
        channels = ["slack:renewals-enterprise", "email:ops@example.com"]
        continue = true
        """
    )
    loaded = load_rules(NotifierRules, PACKAGE, path)
    route = loaded.routes[0]
    assert loaded.timings.repeat_interval == timedelta(hours=12)
    assert loaded.timings.group_wait == timedelta(seconds=10)
    assert loaded.timings.group_interval == timedelta(minutes=5)  # default kept
    assert route.continue_ is True
    assert route.match.rule == ("renewal.*",)
    assert route.match.min_severity is Severity.WARNING
    assert route.match.segment == (Segment.ENTERPRISE,)
    assert route.channels == (
        ChannelSpec(ChannelKind.SLACK, "renewals-enterprise"),
        ChannelSpec(ChannelKind.EMAIL, "ops@example.com"),
    )
    assert loaded.slack_channels == ("renewals-enterprise",)


def test_unknown_channel_kind_names_file_key_and_reason() -> None:
    error = _error('[[routes]]\nname = "x"\nchannels = ["email:owner", "sms:+15551234"]')
    assert error.source == "test.toml"
    (issue,) = error.issues
    assert issue.key == "routes[0].channels[1]"
    assert "unknown channel kind 'sms'" in issue.reason
    assert "test.toml: routes[0].channels[1]: unknown channel kind" in str(error)


@pytest.mark.parametrize(
    ("toml", "key", "fragment"),
    [
        ('[timings]\nrepeat_interval = "soon"', "timings.repeat_interval", "not a duration"),
        ('[timings]\ngroup_interval = "0s"', "timings.group_interval", "longer than 0s"),
        ("[timings]\ngroup_wait = -5", "timings.group_wait", "must not be negative"),
        ('[retry]\njitter = "some"', "retry.jitter", "'full'"),
        ('[retry]\nbase_delay = "1m"\nmax_delay = "10s"', "retry", "max_delay"),
        ('[timings]\ngroup_wiat = "30s"', "timings.group_wiat", "unknown setting"),
        (
            '[[routes]]\nname = "r"\nmatch = { severity = ["urgent"] }',
            "routes[0].match.severity[0]",
            "'critical'",
        ),
        (
            '[[routes]]\nname = "r"\nmatch = { region = "mars" }',
            "routes[0].match.region[0]",
            "'emea'",
        ),
        (
            '[[routes]]\nname = "r"\nmatch = { severity = ["critical"], min_severity = "info" }',
            "routes[0].match",
            "not both",
        ),
        (
            '[[routes]]\nname = "r"\nchannels = ["slack:#general"]',
            "routes[0].channels[0]",
            "no '#'",
        ),
        (
            '[[routes]]\nname = "r"\nchannels = ["email:not-an-address"]',
            "routes[0].channels[0]",
            "email:<address>",
        ),
        ('[[routes]]\nname = "r"\nchannels = ["owner"]', "routes[0].channels[0]", "kind:target"),
        ("[default_route]\nchannels = []", "default_route.channels", "at least 1"),
        ('[[routes]]\nname = "default"', "routes[0].name", "duplicate name 'default'"),
        (
            '[[inhibit_rules]]\nname = "i"\nsource_match = {}\ntarget_match = {}\n'
            'equal = ["owner"]',
            "inhibit_rules[0].equal[0]",
            "'account_id'",
        ),
        (
            '[[routes]]\nname = "a"\nchannels = ["slack:cs-alerts"]\n'
            '[[routes]]\nname = "b"\nchannels = ["slack:cs_alerts"]',
            "routes",
            "RADAR_NOTIFIER_SLACK_WEBHOOK_CS_ALERTS",
        ),
        ("version = 2", "version", "1"),
    ],
)
def test_rule_file_errors_point_at_the_key(toml: str, key: str, fragment: str) -> None:
    (issue,) = _error(toml).issues
    assert issue.key == key, str(issue)
    assert fragment in issue.reason, str(issue)


def test_invalid_toml_is_a_rule_file_error() -> None:
    (issue,) = _error("[timings\nrepeat_interval = 1").issues
    assert issue.key == ""
    assert "invalid TOML" in issue.reason


def test_missing_file_is_a_rule_file_error(tmp_path: Path) -> None:
    with pytest.raises(RuleFileError) as caught:
        load_rules(NotifierRules, PACKAGE, tmp_path / "absent.toml")
    assert caught.value.source.endswith("absent.toml")
    assert "cannot read" in caught.value.issues[0].reason


def test_all_issues_are_reported_together() -> None:
    error = _error('[timings]\nrepeat_interval = "x"\ngroup_wait = "y"')
    assert {i.key for i in error.issues} == {"timings.repeat_interval", "timings.group_wait"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", timedelta(seconds=30)),
        ("5m", timedelta(minutes=5)),
        ("1h30m", timedelta(minutes=90)),
        ("7d", timedelta(days=7)),
        ("500ms", timedelta(milliseconds=500)),
        (90, timedelta(seconds=90)),
    ],
)
def test_durations(text: str | int, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "5 minutes", "m5", "-5s", True])
def test_bad_durations(text: object) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_slack_env_var_name_mangling() -> None:
    assert slack_webhook_env_var("cs-alerts") == "RADAR_NOTIFIER_SLACK_WEBHOOK_CS_ALERTS"
    assert slack_webhook_env_var("renewals_emea2") == "RADAR_NOTIFIER_SLACK_WEBHOOK_RENEWALS_EMEA2"


def test_webhooks_come_from_the_environment_only() -> None:
    rules = config('[default_route]\nchannels = ["slack:cs-alerts", "email:owner"]')
    url = "https://hooks.slack.com/services/T000/B000/XXXX"
    environ = {"RADAR_NOTIFIER_SLACK_WEBHOOK_CS_ALERTS": url}
    hosts = rules.slack.allowed_webhook_hosts
    assert webhooks_from_environment(rules.slack_channels, environ, hosts) == {"cs-alerts": url}


def test_missing_and_foreign_webhooks_are_reported_without_echoing_them() -> None:
    rules = config('[default_route]\nchannels = ["slack:cs-alerts", "slack:leads"]')
    secret = "https://evil.example.com/hook/SECRET"
    with pytest.raises(RuleFileError) as caught:
        webhooks_from_environment(
            rules.slack_channels,
            {"RADAR_NOTIFIER_SLACK_WEBHOOK_LEADS": secret},
            rules.slack.allowed_webhook_hosts,
        )
    error = caught.value
    assert error.source == "environment"
    assert [i.key for i in error.issues] == [
        "RADAR_NOTIFIER_SLACK_WEBHOOK_CS_ALERTS",
        "RADAR_NOTIFIER_SLACK_WEBHOOK_LEADS",
    ]
    assert "missing" in error.issues[0].reason
    assert "not in slack.allowed_webhook_hosts" in error.issues[1].reason
    assert "SECRET" not in str(error)


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("https://hooks.slack.com/services/T/B/X", None),
        ("http://hooks.slack.com/services/T/B/X", "must use https"),
        ("https://user:pw@hooks.slack.com/x", "must not carry credentials in the URL"),
        ("https://hooks.slack.com.evil.com/x", "host 'hooks.slack.com.evil.com' is not in"),
        ("http://127.0.0.1:8080/hook", None),
        ("https://hooks.slack.com:notaport/x", "not a valid URL"),
    ],
)
def test_webhook_url_checks(url: str, problem: str | None) -> None:
    found = webhook_url_problem(url, ["hooks.slack.com", "127.0.0.1"])
    if problem is None:
        assert found is None
    else:
        assert found is not None and found.startswith(problem)
