"""Delivery retries against the real local Slack sink and SMTP catcher: Retry-After,
backoff, exhaustion, hangs, and a restart in the middle of a retry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from notifier_harness import T0, alert, running_notifier
from prometheus_client import REGISTRY
from sqlalchemy.ext.asyncio import AsyncSession

from radar_notifier.local import Reply
from radar_notifier.store import deliveries

pytestmark = pytest.mark.integration

GROUP_WAIT = timedelta(seconds=30)
# The test rules: 3 attempts, base delay 10 s, factor 2, no jitter.
FIRST_RETRY = timedelta(seconds=10)


def failed_count(channel: str) -> float:
    value = REGISTRY.get_sample_value(
        "radar_notifications_total", {"channel": channel, "outcome": "failed"}
    )
    return value or 0.0


async def test_a_429_is_retried_after_its_retry_after(notifier, slack_sink):
    slack_sink.reply(Reply(status=429, retry_after="120", body="rate_limited"))
    await notifier.publish(alert("acct-429"))
    await notifier.deliver(after=GROUP_WAIT)
    [delivery] = await notifier.deliveries(status="pending")
    assert delivery["attempts"] == 1
    assert delivery["last_error"] == "slack answered 429: rate_limited"
    sent_at = T0 + GROUP_WAIT
    assert delivery["next_attempt_at"].startswith(
        (sent_at + timedelta(seconds=120)).isoformat()[:19]
    )
    # Longer than the backoff (10 s), shorter than Retry-After: still waiting.
    await notifier.deliver(after=timedelta(seconds=60))
    assert slack_sink.calls == ["cs-alerts"] and slack_sink.messages == []
    await notifier.deliver(after=timedelta(seconds=60))
    assert len(slack_sink.messages) == 1
    [sent] = await notifier.deliveries(status="sent")
    assert sent["attempts"] == 2


async def test_a_server_error_is_retried_with_backoff_then_sent(notifier, slack_sink):
    slack_sink.reply(Reply(status=500, body="oops"), Reply(status=503, body="busy"))
    await notifier.publish(alert("acct-500"))
    await notifier.deliver(after=GROUP_WAIT)
    await notifier.deliver(after=FIRST_RETRY)
    [delivery] = await notifier.deliveries()
    assert (delivery["status"], delivery["attempts"]) == ("pending", 2)
    assert delivery["last_error"] == "slack answered 503: busy"
    await notifier.deliver(after=FIRST_RETRY)  # the second delay is 20 s
    assert slack_sink.messages == []
    await notifier.deliver(after=FIRST_RETRY)
    assert len(slack_sink.messages) == 1
    assert len(slack_sink.calls) == 3


async def test_after_the_last_attempt_a_delivery_is_failed_counted_and_kept(notifier, slack_sink):
    before = failed_count("slack")
    slack_sink.reply(*[Reply(status=500, body="down")] * 3)
    await notifier.publish(alert("acct-down"))
    await notifier.deliver(after=GROUP_WAIT)
    await notifier.deliver(after=timedelta(seconds=10))
    await notifier.deliver(after=timedelta(seconds=20))
    [failed] = await notifier.deliveries(status="failed")
    assert failed["attempts"] == 3
    assert failed["last_error"] == "slack answered 500: down"
    assert failed["next_attempt_at"] is None
    assert failed_count("slack") == before + 1
    await notifier.deliver(after=timedelta(hours=1))
    assert len(slack_sink.calls) == 3 and slack_sink.messages == []
    metrics = (await notifier.http.get("/metrics")).text
    assert 'radar_notifications_total{channel="slack",outcome="failed"}' in metrics
    assert "radar_notification_queue_depth" in metrics


async def test_a_client_error_is_not_retried(notifier, slack_sink):
    slack_sink.reply(Reply(status=404, body="channel_not_found"))
    await notifier.publish(alert("acct-404"))
    await notifier.deliver(after=GROUP_WAIT)
    [failed] = await notifier.deliveries(status="failed")
    assert failed["attempts"] == 1


async def test_a_hanging_webhook_times_out_and_is_retried(notifier, slack_sink):
    slack_sink.reply(Reply(hang_seconds=3))
    await notifier.publish(alert("acct-hang"))
    await notifier.deliver(after=GROUP_WAIT)  # slack_timeout_seconds is 2 in tests
    [delivery] = await notifier.deliveries(status="pending")
    assert delivery["last_error"].startswith("slack webhook unreachable: TimeoutError")
    await notifier.deliver(after=FIRST_RETRY)
    assert len(slack_sink.messages) == 1


async def test_a_restart_in_the_middle_of_a_retry_delivers_exactly_once(
    settings, slack_sink, smtp_catcher
):
    slack_sink.reply(Reply(status=500, body="oops"))
    async with running_notifier(settings, slack_sink, smtp_catcher) as first:
        await first.publish(alert("acct-restart"))
        await first.deliver(after=GROUP_WAIT)
        [pending] = await first.deliveries(status="pending")
        assert pending["attempts"] == 1
    # A new process on the same database and consumer group, later in time.
    later = T0 + GROUP_WAIT + FIRST_RETRY
    async with running_notifier(settings, slack_sink, smtp_catcher, start=later) as second:
        await second.deliver()
        await second.deliver(after=timedelta(hours=1))
        [sent] = await second.deliveries()
        assert (sent["status"], sent["attempts"]) == ("sent", 2)
    assert len(slack_sink.messages) == 1
    assert len(slack_sink.calls) == 2


async def test_a_temporary_smtp_failure_is_retried(notifier, smtp_catcher):
    smtp_catcher.reply("451 4.3.0 try again later")
    await notifier.publish(alert("acct-mail", segment="smb"))
    await notifier.deliver(after=GROUP_WAIT)
    [pending] = await notifier.deliveries(status="pending")
    assert pending["last_error"].startswith("smtp answered 451")
    await notifier.deliver(after=FIRST_RETRY)
    [message] = smtp_catcher.messages
    assert message.message["Message-ID"].endswith("@renewal-radar>")


async def test_a_delivery_another_sender_holds_is_left_alone_until_that_sender_is_gone(
    notifier, smtp_catcher
):
    smtp_catcher.reply("451 4.3.0 busy")
    await notifier.publish(alert("acct-held", segment="smb"))
    await notifier.deliver(after=GROUP_WAIT)
    db = notifier.parts.runtime.db
    notifier.clock.advance(FIRST_RETRY)
    # Another replica claims it and is still sending: this one must not send it too.
    async with db.engine.connect() as replica:
        session = AsyncSession(bind=replica)
        async with session.begin():
            claimed = await deliveries.claim_due(session, notifier.clock.now(), 10, db.schema)
        assert len(claimed) == 1
        await notifier.deliver()
        [delivery] = await notifier.deliveries()
        assert (delivery["status"], delivery["attempts"], delivery["interrupted"]) == (
            "sending",
            2,
            0,
        )
        assert smtp_catcher.messages == []
        # The replica dies mid-send: its connection, and with it its claim, is gone.
        await replica.invalidate()
    resends = REGISTRY.get_sample_value("radar_notification_resends_total", {"channel": "email"})
    await notifier.deliver()
    assert len(smtp_catcher.messages) == 1
    [delivery] = await notifier.deliveries()
    assert (delivery["status"], delivery["attempts"], delivery["interrupted"]) == ("sent", 3, 1)
    assert delivery["last_error"].startswith("attempt 2 interrupted")
    after = REGISTRY.get_sample_value("radar_notification_resends_total", {"channel": "email"})
    assert after == (resends or 0.0) + 1
