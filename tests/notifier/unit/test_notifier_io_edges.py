"""Edges of the I/O layer that need no servers: start-up validation, Retry-After,
the email wire format, and undoing a dropped notice."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from notifier_factories import T0, make_alert
from notifier_factories import email as email_recipient

from radar_notifier.domain.alerts import NoticeKind
from radar_notifier.domain.fatigue import apply_alert, record_notified
from radar_notifier.domain.notices import AlertRecord, QueuedNotice, forget_dropped
from radar_notifier.main import create_app, main
from radar_notifier.senders.base import Outgoing
from radar_notifier.senders.email import build_message, format_sender
from radar_notifier.senders.slack import parse_retry_after
from radar_notifier.settings import NotifierSettings
from radar_runtime.rules import RuleFileError

SLACK_RULES = """
[[routes]]
name = "all-to-slack"
channels = ["slack:cs-alerts"]
"""
VAR = "RADAR_NOTIFIER_SLACK_WEBHOOK_CS_ALERTS"


def settings(tmp_path: Path, **values: object) -> NotifierSettings:
    rules = tmp_path / "rules.toml"
    rules.write_text(SLACK_RULES)
    return NotifierSettings(rules_path=rules, **values)


def test_start_up_refuses_a_slack_channel_without_a_webhook(tmp_path):
    with pytest.raises(RuleFileError) as error:
        create_app(settings(tmp_path), environ={})
    (issue,) = error.value.issues
    assert (error.value.source, issue.key) == ("environment", VAR)
    assert "missing" in issue.reason


def test_loopback_webhooks_need_the_explicit_setting(tmp_path):
    local = {VAR: "http://127.0.0.1:9/services/cs-alerts"}
    with pytest.raises(RuleFileError) as error:
        create_app(settings(tmp_path), environ=local)
    assert "not in slack.allowed_webhook_hosts" in error.value.issues[0].reason
    assert create_app(settings(tmp_path, allow_loopback_webhooks=True), environ=local)


def test_only_allowed_hosts_and_https_are_accepted(tmp_path):
    for url in ("https://evil.example.com/hook", "http://hooks.slack.com/services/x"):
        with pytest.raises(RuleFileError):
            create_app(settings(tmp_path), environ={VAR: url})
    assert create_app(settings(tmp_path), environ={VAR: "https://hooks.slack.com/services/T/B/x"})


def test_a_broken_rule_file_stops_start_up(tmp_path):
    rules = tmp_path / "bad.toml"
    rules.write_text('[timings]\ngroup_wait = "soon"\n')
    with pytest.raises(RuleFileError) as error:
        create_app(NotifierSettings(rules_path=rules))
    assert error.value.source == str(rules)
    assert [issue.key for issue in error.value.issues] == ["timings.group_wait"]


def test_main_names_a_broken_rule_file_and_exits_2(tmp_path, monkeypatch, capsys):
    rules = tmp_path / "bad.toml"
    rules.write_text('[retry]\njitter = "some"\n')
    monkeypatch.setenv("RADAR_NOTIFIER_CONFIG_PATH", str(rules))
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 2
    assert capsys.readouterr().err.splitlines()[:2] == [
        "radar-notifier: invalid rule file",
        f"{rules}: retry.jitter: must be 'full', 'equal' or 'none'",
    ]


def test_retry_after_in_seconds_or_as_a_date():
    assert parse_retry_after("120") == 120
    assert parse_retry_after(" 1.5 ") == 1.5
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert parse_retry_after("Mon, 02 Mar 2026 09:01:00 GMT", now) == 60
    assert parse_retry_after("Mon, 02 Mar 2026 08:00:00 GMT", now) == 0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_email_is_multipart_alternative_with_an_encoded_subject():
    subject = "[Renewal Radar] Critical: Renewal at risk — Zürich AG " + "x" * 80
    outgoing = Outgoing(
        "key123",
        "jane@example.com",
        {"subject": subject, "text": "Héllo\n.line two", "html": "<p>a=b</p>"},
    )
    raw = build_message(outgoing, format_sender("Renewal Radär <radar@example.com>"))
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == subject
    assert parsed["From"].addresses[0].display_name == "Renewal Radär"
    assert parsed["Message-ID"] == "<key123@renewal-radar>"
    assert parsed.get_content_type() == "multipart/alternative"
    plain = parsed.get_body(preferencelist=("plain",)).get_content()
    assert plain.replace("\r\n", "\n").startswith("Héllo\n.line two")
    assert parsed.get_body(preferencelist=("html",)).get_content().strip() == "<p>a=b</p>"
    assert not parsed.defects


def test_a_dropped_notice_is_forgotten_so_the_recipient_is_told_later():
    jane = email_recipient("jane@example.com")
    earlier = T0 - timedelta(hours=30)
    state = record_notified(apply_alert(None, make_alert()), jane.key, NoticeKind.RAISED, earlier)
    state = record_notified(state, jane.key, NoticeKind.RAISED, T0)
    record = AlertRecord(state=state, view=make_alert())
    queued = QueuedNotice(jane.key, NoticeKind.RAISED, T0, previous_notified_at=earlier)
    forget_dropped(record, queued, "inhibited")
    assert record.state.last_notified_at[jane.key] == earlier

    first = QueuedNotice(jane.key, NoticeKind.RAISED, T0, previous_notified_at=None)
    record = AlertRecord(
        state=record_notified(apply_alert(None, make_alert()), jane.key, NoticeKind.RAISED, T0),
        view=make_alert(),
    )
    forget_dropped(record, first, "snoozed")
    assert jane.key not in record.state.last_notified_at
