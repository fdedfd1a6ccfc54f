"""Routing to Slack and email, what each message carries, and the recorded recipients."""

from __future__ import annotations

from datetime import timedelta

import pytest
from notifier_harness import SLACK_CHANNEL, alert

pytestmark = pytest.mark.integration

GROUP_WAIT = timedelta(seconds=30)


async def test_routes_pick_slack_and_owner_email_and_record_recipients(
    notifier, slack_sink, smtp_catcher
):
    await notifier.publish(
        alert("acct-ent", severity="warning", segment="enterprise"),
        alert("acct-smb", severity="critical", rule="renewal.at_risk", segment="smb", csm="omar"),
        alert("acct-mid", severity="warning", segment="mid_market", csm="lee"),
    )
    await notifier.deliver(after=GROUP_WAIT)

    # Enterprise warning: Slack only (a matching route, even with continue, means the
    # default route does not apply).
    [slack] = slack_sink.for_channel(SLACK_CHANNEL)
    assert "usage.sharp_drop on acct-ent" in slack.body["text"]
    blocks = slack.body["blocks"]
    assert blocks[0]["type"] == "header"
    fields = " ".join(f["text"] for b in blocks for f in b.get("fields", []))
    for fact in ("Acct-Ent Inc", "USD 120,000", "2026-06-30", "38/100"):
        assert fact in fields
    section = next(b for b in blocks if b["type"] == "section")["text"]["text"]
    assert "usage_trend" in section and "Schedule a check-in" in section

    # SMB critical: the critical route (owner and manager), not Slack.
    assert [m.subject for m in smtp_catcher.to("omar@example.com")] == [
        "[Renewal Radar] Critical: renewal.at_risk on acct-smb — Acct-Smb Inc"
    ]
    [to_manager] = smtp_catcher.to("max@example.com")
    assert "renewal.at_risk on acct-smb" in to_manager.part("plain")
    assert "<html" in to_manager.part("html")
    # Mid-market warning: no route matches, the default route mails the owner.
    [to_lee] = smtp_catcher.to("lee@example.com")
    assert "Recommended play" in to_lee.part("plain")
    assert smtp_catcher.to("jane@example.com") == []
    assert len(smtp_catcher.messages) == 3

    by_account = {a["account_id"]: a for a in await notifier.alerts()}
    assert by_account["acct-ent"]["recipients"] == [
        {"channel": "slack:cs-alerts", "route": "enterprise-to-slack"}
    ]
    assert by_account["acct-mid"]["recipients"] == [
        {"channel": "email:lee@example.com", "route": "default"}
    ]
    assert by_account["acct-smb"]["matched_routes"] == ["critical"]
    assert {r["channel"] for r in by_account["acct-smb"]["recipients"]} == {
        "email:omar@example.com",
        "email:max@example.com",
    }
    sent = await notifier.deliveries(status="sent")
    assert len(sent) == 4 and all(d["attempts"] == 1 for d in sent)


async def test_nothing_is_sent_before_group_wait(notifier, slack_sink, smtp_catcher):
    await notifier.publish(alert("acct-wait", segment="smb"))
    await notifier.deliver(after=GROUP_WAIT - timedelta(seconds=1))
    assert slack_sink.messages == [] and smtp_catcher.messages == []
    await notifier.deliver(after=timedelta(seconds=1))
    assert len(smtp_catcher.messages) == 1
