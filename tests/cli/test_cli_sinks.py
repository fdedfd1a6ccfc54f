"""The local sinks as `radar up` runs them: a real process on free ports keeping what
it received under the radar home, and the notifier settings and rule file `radar up`
writes: secrets kept across starts, the simulated CS team as people with rights on
their accounts, the page's buttons pressed as them."""

from __future__ import annotations

import smtplib
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest

from radar_cli import sinks
from radar_cli.demo_people import RULES_FILE, demo_people
from radar_cli.services import CONSOLE_PORT, NOTIFIER
from radar_cli.simulate import roster
from radar_notifier.domain.alerts import AlertView
from radar_notifier.domain.people import from_slack
from radar_notifier.rules import NotifierRules
from radar_notifier.settings import NotifierSettings
from radar_runtime.auth.access import load_access_rules
from radar_runtime.auth.roles import Owned, Role, may_act_on
from radar_runtime.local.process import free_port
from radar_runtime.rules import load_rules
from radar_runtime.settings import RuntimeSettings
from radar_schemas.common import Severity

pytestmark = pytest.mark.timeout(90)

NOTIFIER_VARS = (
    "RADAR_NOTIFIER_SLACK_SIGNING_SECRET",
    "RADAR_NOTIFIER_ACTION_LINK_SECRET",
    "RADAR_NOTIFIER_PUBLIC_URL",
    "RADAR_NOTIFIER_CONSOLE_URL",
    "RADAR_CONSOLE_URL",
)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in NOTIFIER_VARS:
        monkeypatch.delenv(var, raising=False)


def settings_from(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> NotifierSettings:
    """The notifier's settings as its process reads them from `env`."""
    with monkeypatch.context() as process:
        for name, value in env.items():
            process.setenv(name, value)
        return NotifierSettings()


def test_radar_up_gives_the_notifier_what_acting_from_slack_and_email_needs(
    tmp_path: Path, clean_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = sinks.LocalSinks(tmp_path / "logs")
    env = local.notifier_env(tmp_path)
    settings = settings_from(env, monkeypatch)
    assert settings.slack_signing_secret is not None and settings.action_link_secret is not None
    assert len(settings.action_link_secret.get_secret_value()) >= 32
    assert settings.public_url == NOTIFIER.url == "http://127.0.0.1:8004"
    assert settings.console_url == f"http://127.0.0.1:{CONSOLE_PORT}"
    assert settings.rules_path == tmp_path / RULES_FILE
    # Kept, readable by their owner only: links and buttons outlive a restart.
    for name in ("slack-signing-secret", "action-link-secret"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    assert sinks.LocalSinks(tmp_path / "logs").notifier_env(tmp_path) == env
    # What the environment says wins.
    monkeypatch.setenv("RADAR_CONSOLE_URL", "https://console.example.com")
    monkeypatch.setenv("RADAR_NOTIFIER_SLACK_SIGNING_SECRET", "from-the-environment")
    given = local.notifier_env(tmp_path)
    assert given["RADAR_NOTIFIER_CONSOLE_URL"] == "https://console.example.com"
    assert given["RADAR_NOTIFIER_SLACK_SIGNING_SECRET"] == "from-the-environment"


def alert_on(owner: roster.Person, manager: roster.Person) -> tuple[AlertView, Owned]:
    view = AlertView(
        alert_id="al-1",
        rule="usage.sharp_drop",
        severity=Severity.WARNING,
        dedup_key="usage.sharp_drop:acct-1",
        title="Usage dropped",
        summary="",
        account_id="acct-1",
        account_name="Acme",
        segment="smb",
        region="amer",
        occurred_at=datetime(2026, 3, 2, tzinfo=UTC),
    )
    return view, Owned(owner.email, manager.email, "smb", "amer")


def test_the_simulated_team_are_people_with_rights_on_their_accounts(
    tmp_path: Path, clean_env: None
) -> None:
    sinks.LocalSinks(tmp_path / "logs").notifier_env(tmp_path)
    rules = load_rules(NotifierRules, "radar_notifier", tmp_path / RULES_FILE)
    access = load_access_rules(RuntimeSettings())
    dana, marcus = roster.CSMS["amer"][:2]
    sam = roster.MANAGERS["amer"]
    assert {(p.email, p.slack_id) for p, _ in demo_people()} == {
        (p.email, p.slack_id) for p in rules.people
    }
    view, danas_account = alert_on(dana, sam)
    for person, role, allowed in [
        (dana, Role.CSM, True),
        (sam, Role.MANAGER, True),
        (marcus, Role.CSM, False),  # another CSM's account
        (roster.MANAGERS["emea"], Role.MANAGER, False),  # another manager's team
    ]:
        assert person.slack_id is not None
        who = from_slack(person.slack_id, view, rules.people)
        assert who is not None and (who.name, who.email, who.role) == (
            person.name,
            person.email,
            role,
        )
        assert may_act_on(who, danas_account, access) is allowed, person.name


def test_a_rule_file_kept_from_before_gets_the_team_once(tmp_path: Path, clean_env: None) -> None:
    (tmp_path / RULES_FILE).write_text(
        '[default_route]\nname = "default"\nchannels = ["email:manager"]\n'
    )
    for _ in range(2):
        sinks.LocalSinks(tmp_path / "logs").notifier_env(tmp_path)
    rules = load_rules(NotifierRules, "radar_notifier", tmp_path / RULES_FILE)
    assert len(rules.people) == len(demo_people()) == 9
    assert [str(c) for c in rules.default_route.channels] == ["email:manager"]


ACK = {
    "type": "button",
    "action_id": "ack",
    "value": "ack",
    "text": {"type": "plain_text", "text": "Acknowledge"},
}


@pytest.fixture
def running_sinks(tmp_path: Path, clean_env: None) -> Iterator[sinks.LocalSinks]:
    (tmp_path / "logs").mkdir()
    local = sinks.LocalSinks(tmp_path / "logs", slack_port=free_port(), smtp_port=free_port())
    yield local
    local.stop()


def test_the_sinks_process_keeps_what_it_got_under_the_radar_home(
    tmp_path: Path, running_sinks: sinks.LocalSinks
) -> None:
    env = running_sinks.notifier_env(tmp_path)
    running_sinks.start(env)
    message = {
        "text": "hello",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "Hello *team*"}},
            {"type": "actions", "block_id": "alert:al-1", "elements": [ACK]},
        ],
    }
    answer = httpx.post(f"{running_sinks.url}/services/cs-alerts", json=message, timeout=10)
    assert answer.status_code == 200
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "radar@localhost", "dana.reyes@example.com", "Hi"
    mail.set_content("the text part")
    mail.add_alternative("<p>the <b>HTML</b> part</p>", subtype="html")
    with smtplib.SMTP("127.0.0.1", running_sinks.smtp_port, timeout=10) as smtp:
        smtp.send_message(mail)

    running_sinks.stop()
    running_sinks.start(env)
    slack = httpx.get(f"{running_sinks.url}/messages", timeout=10).text
    assert '<div class="hdr">Hello *team*</div>' in slack and "#cs-alerts" in slack
    # The page's buttons act as the simulated team (a manager first).
    sam, dana = roster.MANAGERS["amer"], roster.CSMS["amer"][0]
    assert '<button name="action_id" value="ack">Acknowledge</button>' in slack
    assert f'<option value="{sam.slack_id}" selected>Sam Okafor</option>' in slack
    assert f'<option value="{dana.slack_id}">Dana Reyes</option>' in slack
    emails = httpx.get(f"{running_sinks.url}/emails", timeout=10).text
    assert (
        "<td>dana.reyes@example.com</td>" in emails
        and "<summary>Text part</summary><pre>the text part" in emails
    )
    framed = httpx.get(f"{running_sinks.url}/emails/1/html", timeout=10).text
    assert "<p>the <b>HTML</b> part</p>" in framed
    assert sorted(p.name for p in (tmp_path / "sinks").iterdir()) == ["emails.jsonl", "slack.jsonl"]
