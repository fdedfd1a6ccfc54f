"""Actions as Slack buttons and email links carry them, and who a click stands for."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from notifier_factories import MANAGER, OWNER, T0, config, email, make_alert, pending

from radar_notifier.domain.actions import (
    Action,
    Reason,
    Refused,
    Verb,
    action_from_code,
    snooze_end,
)
from radar_notifier.domain.digest import Digest
from radar_notifier.domain.email_links import EmailLinks
from radar_notifier.domain.people import PersonEntry, from_email, from_slack
from radar_notifier.domain.render import Links, render_email
from radar_notifier.domain.render.slack_buttons import (
    BadPayload,
    after_action,
    buttons,
    read_click,
)
from radar_runtime.auth.roles import Role


@pytest.mark.parametrize(
    "code",
    [
        "ack",
        "unsnooze",
        "snooze:1d",
        "snooze:7d",
        "snooze:30d",
        "snooze:renewal",
        "not_useful",
        "not_useful:wrong",
        "not_useful:already_known",
    ],
)
def test_an_action_code_reads_back_as_itself(code: str) -> None:
    assert action_from_code(code).code == code


@pytest.mark.parametrize(
    "code",
    [
        "",
        "nope",
        "ack:now",
        "snooze",
        "snooze:0s",
        "snooze:400d",
        "snooze:soon",
        "not_useful:boring",
    ],
)
def test_a_code_naming_no_action_is_refused(code: str) -> None:
    with pytest.raises(ValueError):
        action_from_code(code)


def test_a_snooze_ends_after_its_length_or_when_the_renewal_is_due() -> None:
    alert = make_alert(renewal_date=date(2026, 5, 15))
    assert snooze_end(action_from_code("snooze:7d"), alert, T0) == T0 + timedelta(days=7)
    until_renewal = snooze_end(action_from_code("snooze:renewal"), alert, T0)
    assert until_renewal.isoformat() == "2026-05-15T00:00:00+00:00"
    for past in (make_alert(renewal_date=date(2026, 2, 1)), make_alert(renewal_date=None)):
        with pytest.raises(Refused) as refused:
            snooze_end(action_from_code("snooze:renewal"), past, T0)
        assert refused.value.status == 422
    assert Action(Verb.NOT_USEFUL, reason=Reason.NOT_ACTIONABLE).code == "not_useful:not_actionable"
    assert Reason.ALREADY_KNOWN.label == "Already known"


def test_a_slack_user_or_recipient_is_the_alerts_owner_manager_or_a_configured_person() -> None:
    alert = make_alert()
    owner = from_slack(OWNER.slack_id or "", alert, ())
    assert owner is not None
    assert (owner.name, owner.email, owner.role, owner.via) == (
        "Jane Doe",
        "jane@example.com",
        Role.CSM,
        "slack",
    )
    assert owner.subject == f"slack:{OWNER.slack_id}"
    manager = from_email("MAX@example.com", alert, ())
    assert manager is not None and (manager.role, manager.email) == (Role.MANAGER, MANAGER.email)
    assert from_slack("U0STRANGER", alert, ()) is None
    assert from_email("someone@example.com", alert, ()) is None

    dana = PersonEntry(
        name="Dana Reyes", email="Dana@example.com", slack_id="U0DANA1", role="admin"
    )
    assert (from_slack("U0DANA1", alert, (dana,)) or owner).role is Role.ADMIN
    found = from_email("dana@example.com", alert, (dana,))
    assert found is not None and found.name == "Dana Reyes"


def test_people_are_read_from_the_rule_file() -> None:
    rules = config(
        '[[people]]\nname = "Dana Reyes"\nemail = "dana@example.com"\nslack_id = "U0DANA1"\n'
        'role = "manager"\nscope = ["emea"]\n'
    )
    [dana] = rules.people
    assert (dana.role, dana.scope) == ("manager", ("emea",))
    assert config().people == ()


def test_a_click_payload_names_the_alert_and_action_or_is_refused_as_malformed() -> None:
    message = {"text": "t", "blocks": [buttons(make_alert(), None)]}
    pressed = {
        "type": "static_select",
        "action_id": "snooze",
        "block_id": "alert:a-1",
        "selected_option": {"value": "snooze:30d"},
    }
    payload = {
        "type": "block_actions",
        "user": {"id": "U0123ABC"},
        "response_url": "https://hooks.slack.com/actions/T/1/x",
        "message": message,
        "actions": [pressed],
    }
    click = read_click(payload)
    assert click is not None
    assert (click.alert_id, click.user_id) == ("a-1", "U0123ABC")
    assert click.action == action_from_code("snooze:30d")
    assert read_click({**payload, "type": "view_submission"}) is None
    for broken in (
        {**payload, "actions": []},
        {**payload, "user": None},
        {**payload, "actions": [{**pressed, "selected_option": {"value": "snooze:forever"}}]},
    ):
        with pytest.raises(BadPayload):
            read_click(broken)


def test_after_an_action_its_note_follows_the_alerts_buttons_or_replaces_them() -> None:
    blocks = [buttons(make_alert(alert_id="a-1"), None), buttons(make_alert(alert_id="a-2"), None)]
    snoozed = after_action(blocks, "a-1", "snoozed", keep_buttons=True)
    assert [b["block_id"] for b in snoozed] == ["alert:a-1", "done:a-1", "alert:a-2"]
    acked = after_action(snoozed, "a-1", "acked", keep_buttons=False)
    assert [b["block_id"] for b in acked] == ["done:a-1", "alert:a-2"]
    assert acked[0]["elements"][0]["text"] == "acked"


JANE_EMAIL = "jane@example.com"
LINKS = EmailLinks("https://radar.example.com/notifier/", b"s" * 32, timedelta(days=7))


def test_email_links_are_made_for_people_only_and_read_back_until_they_expire() -> None:
    alert = make_alert()
    made = LINKS.actions("Jane@example.com", alert, T0)
    assert [label for label, _ in made] == ["Acknowledge", "Snooze 7 days", "Not useful"]
    assert all(url.startswith("https://radar.example.com/notifier/v1/actions/") for _, url in made)
    token = made[1][1].rsplit("/", 1)[1]
    claim = LINKS.read(token, T0 + timedelta(days=6))
    assert (claim.alert_id, claim.code, claim.recipient) == ("a-1", "snooze:7d", "jane@example.com")
    with pytest.raises(Refused) as expired:
        LINKS.read(token, T0 + timedelta(days=7))
    assert expired.value.status == 410
    # A shared mailbox is nobody who could act; a resolved alert has nothing to do.
    assert LINKS.actions("cs-team@example.com", alert, T0) == []
    assert LINKS.actions(JANE_EMAIL, make_alert(resolved=True), T0) == []


def test_an_email_carries_its_links_under_each_raised_alert() -> None:
    digest = Digest(
        recipient=email(JANE_EMAIL),
        items=(pending(email(JANE_EMAIL), make_alert()),),
        superseded=(),
        created_at=T0,
    )
    content = render_email(digest, Links(email=LINKS))
    assert content.text.count("https://radar.example.com/notifier/v1/actions/") == 3
    assert content.html.count('href="https://radar.example.com/notifier/v1/actions/') == 3
    assert "/v1/actions/" not in render_email(digest).text
