"""Acting from Slack: button clicks posted by the local Slack stand-in to the running
notifier over HTTP, signed as Slack signs them; the message updated in place."""

from __future__ import annotations

from datetime import timedelta

import pytest
from notifier_harness import SIGNING_SECRET, T0, alert

from radar_notifier.local import SlackMessage, SlackUser, block_actions, post_form, signed_form

pytestmark = pytest.mark.integration

GROUP_WAIT = timedelta(seconds=30)
JANE = SlackUser("U0JANE01", "jane")  # the owner's Slack id on every test alert
OMAR = SlackUser("U0OMAR01", "omar")  # a csm of the rule file's [[people]], not the owner
KEY = "usage.sharp_drop:acct-1"
BLOCK = f"alert:al-{KEY}"


async def alert_message(notifier, slack_sink, *events) -> SlackMessage:
    await notifier.publish(*(events or (alert("acct-1"),)))
    await notifier.deliver(after=GROUP_WAIT)
    [message] = await slack_sink.wait_for(1)
    return message


async def click(notifier, slack_sink, message, action_id, *, user=JANE, option=None, **kw):
    return await slack_sink.click(
        message,
        kw.pop("block", BLOCK),
        action_id,
        user=user,
        request_url=f"{notifier.url}/v1/slack/interactions",
        signing_secret=kw.pop("secret", SIGNING_SECRET),
        option=option,
        timestamp=kw.pop("timestamp", int(notifier.clock.now().timestamp())),
    )


def blocks_of(message: SlackMessage, block_id: str) -> list[dict]:
    return [b for b in message.body["blocks"] if b.get("block_id") == block_id]


def note(message: SlackMessage, alert_id: str = f"al-{KEY}") -> str:
    [done] = blocks_of(message, f"done:{alert_id}")
    return str(done["elements"][0]["text"])


async def audit(notifier) -> list[dict]:
    return list((await notifier.http.get("/v1/audit")).json()["entries"])


async def test_acknowledge_from_slack_updates_the_message_and_names_the_person(
    notifier, slack_sink
):
    message = await alert_message(notifier, slack_sink)
    assert [b["type"] for b in blocks_of(message, BLOCK)] == ["actions"]
    status, body = await click(notifier, slack_sink, message, "ack")
    assert status == 200, body
    await slack_sink.wait_for_responses(1)
    updated = slack_sink.message(message.ts)
    assert blocks_of(updated, BLOCK) == []  # nothing left to do: the buttons go
    assert note(updated) == ":white_check_mark: Acknowledged by Jane · 2026-03-02 09:00 UTC"
    assert updated.body["text"] == message.body["text"]

    [shown] = await notifier.alerts()
    assert (shown["state"], shown["acked_by"]) == ("acked", "Jane <jane@example.com>")
    [entry] = await audit(notifier)
    assert (entry["action"], entry["via"], entry["actor_subject"]) == (
        "alert.acked",
        "slack",
        "slack:U0JANE01",
    )
    assert (entry["actor_name"], entry["actor_role"]) == ("Jane", "csm")
    # Acknowledged: no repeat a day later.
    await notifier.deliver(after=timedelta(days=2))
    assert len(slack_sink.messages) == 1


async def test_snooze_from_the_button_and_the_menu_keeps_the_buttons(notifier, slack_sink):
    message = await alert_message(notifier, slack_sink)
    status, _ = await click(notifier, slack_sink, message, "snooze_7d")
    assert status == 200
    await slack_sink.wait_for_responses(1)
    [shown] = await notifier.alerts()
    assert shown["snoozed_until"].startswith((T0 + timedelta(days=7)).isoformat()[:16])
    updated = slack_sink.message(message.ts)
    assert note(updated) == ":zzz: Snoozed until 2026-03-09 09:00 UTC by Jane"

    status, _ = await click(notifier, slack_sink, updated, "snooze", option="snooze:renewal")
    assert status == 200
    await slack_sink.wait_for_responses(2)
    [shown] = await notifier.alerts()
    assert shown["snoozed_until"].startswith("2026-06-30T00:00:00")
    updated = slack_sink.message(message.ts)
    assert len(blocks_of(updated, BLOCK)) == 1  # still there, with one note
    assert note(updated) == ":zzz: Snoozed until 2026-06-30 00:00 UTC by Jane"
    assert [e["action"] for e in await audit(notifier)] == ["alert.snoozed", "alert.snoozed"]


async def test_not_useful_from_the_menu_is_stored_with_the_person_and_reason(notifier, slack_sink):
    message = await alert_message(notifier, slack_sink)
    status, _ = await click(notifier, slack_sink, message, "not_useful", option="not_useful:wrong")
    assert status == 200
    await slack_sink.wait_for_responses(1)
    [verdict] = (await notifier.http.get("/v1/feedback")).json()["feedback"]
    assert (verdict["reason"], verdict["by_name"], verdict["via"]) == ("wrong", "Jane", "slack")
    assert note(slack_sink.message(message.ts)).startswith(
        ":thumbsdown: Marked not useful (Wrong) by Jane"
    )


async def test_a_digest_has_buttons_per_alert_and_acting_on_one_leaves_the_others(
    notifier, slack_sink
):
    message = await alert_message(
        notifier, slack_sink, alert("acct-1"), alert("acct-2", rule="nps.detractor")
    )
    other = "alert:al-nps.detractor:acct-2"
    assert len(blocks_of(message, BLOCK)) == len(blocks_of(message, other)) == 1
    await click(notifier, slack_sink, message, "ack")
    await slack_sink.wait_for_responses(1)
    updated = slack_sink.message(message.ts)
    assert blocks_of(updated, BLOCK) == [] and len(blocks_of(updated, other)) == 1
    states = {a["account_id"]: a["state"] for a in await notifier.alerts()}
    assert states == {"acct-1": "acked", "acct-2": "raised"}


async def refused_without_a_trace(notifier, slack_sink, before_messages: list) -> None:
    [shown] = await notifier.alerts()
    assert (shown["state"], shown["acked_by"], shown["snoozed_until"]) == ("raised", None, None)
    assert await audit(notifier) == []
    assert (await notifier.http.get("/v1/feedback")).json()["feedback"] == []
    assert slack_sink.messages == before_messages


async def test_requests_not_signed_by_slack_now_are_refused_and_change_nothing(
    notifier, slack_sink
):
    message = await alert_message(notifier, slack_sink)
    before = list(slack_sink.messages)
    wrong = await click(notifier, slack_sink, message, "ack", secret="not-the-app-secret")
    assert wrong[0] == 401 and "X-Slack-Signature" in wrong[1]
    now = int(notifier.clock.now().timestamp())
    stale = await click(notifier, slack_sink, message, "ack", timestamp=now - 301)
    assert stale[0] == 401 and "older than five minutes" in stale[1]
    # The body changed after signing (another alert, another action): refused.
    payload = block_actions(message, BLOCK, "ack", JANE, slack_sink.response_url(message))
    body, headers = signed_form(payload, SIGNING_SECRET, now)
    tampered = body.replace(b"ack", b"snooze%3A30d", 1)
    url = f"{notifier.url}/v1/slack/interactions"
    assert (await post_form(url, tampered, headers))[0] == 401
    assert (await post_form(url, body, {**headers, "X-Slack-Request-Timestamp": "9" * 400}))[
        0
    ] == 401
    assert (await post_form(url, body, {"Content-Type": headers["Content-Type"]}))[0] == 401
    assert (await post_form(url, body + b"x" * 300_000, headers))[0] == 413
    await refused_without_a_trace(notifier, slack_sink, before)
    assert slack_sink.responses == []


async def test_a_replayed_click_is_refused_and_applied_once(notifier, slack_sink):
    message = await alert_message(notifier, slack_sink)
    payload = block_actions(
        message, BLOCK, "snooze", JANE, slack_sink.response_url(message), "snooze:1d"
    )
    body, headers = signed_form(payload, SIGNING_SECRET, int(notifier.clock.now().timestamp()))
    url = f"{notifier.url}/v1/slack/interactions"
    assert (await post_form(url, body, headers))[0] == 200
    notifier.clock.advance(timedelta(minutes=2))  # still within Slack's five minutes
    status, answer = await post_form(url, body, headers)
    assert status == 409 and "received before" in answer
    await slack_sink.wait_for_responses(1)
    assert [e["action"] for e in await audit(notifier)] == ["alert.snoozed"]
    assert len(slack_sink.responses) == 1


async def test_an_unknown_user_or_one_without_rights_is_told_and_nothing_changes(
    notifier, slack_sink
):
    message = await alert_message(notifier, slack_sink)
    before = list(slack_sink.messages)
    stranger = SlackUser("U0STRANGER", "stranger")
    status, answer = await click(notifier, slack_sink, message, "ack", user=stranger)
    assert status == 200 and '"ok":false' in answer.replace(" ", "")
    status, answer = await click(notifier, slack_sink, message, "ack", user=OMAR)
    assert status == 200 and "may not change the alerts of Acct-1 Inc" in answer
    await slack_sink.wait_for_responses(2)
    told = [e.text for e in slack_sink.ephemeral]
    assert "does not know who Slack user U0STRANGER is" in told[0]
    # Slack text is mrkdwn: the address's angle brackets are escaped.
    assert "Omar Other &lt;omar@example.com&gt; (csm) may not change the alerts" in told[1]
    await refused_without_a_trace(notifier, slack_sink, before)


async def test_the_open_button_changes_nothing(notifier, slack_sink):
    message = await alert_message(notifier, slack_sink)
    # Without a console URL there is no Open button; Slack may still report one.
    assert all(e["action_id"] != "open" for e in blocks_of(message, BLOCK)[0]["elements"])
    payload = block_actions(message, BLOCK, "ack", JANE, slack_sink.response_url(message))
    payload["actions"][0]["action_id"] = "open"
    body, headers = signed_form(payload, SIGNING_SECRET, int(notifier.clock.now().timestamp()))
    status, _ = await post_form(f"{notifier.url}/v1/slack/interactions", body, headers)
    assert status == 200
    await refused_without_a_trace(notifier, slack_sink, list(slack_sink.messages))
