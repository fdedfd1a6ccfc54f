"""Alert-fatigue control through the real service: dedup, repeats, digests, inhibition,
resolved notices. Time moves only through the injected clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from notifier_harness import T0, alert

pytestmark = pytest.mark.integration

GROUP_WAIT = timedelta(seconds=30)
JANE = "jane@example.com"


def smb(account: str = "acct-1", **fields):
    """An SMB alert: the test rules send it to the owner's email only."""
    return alert(account, segment="smb", **fields)


async def test_one_notification_while_an_alert_stays_raised(notifier, smtp_catcher):
    await notifier.publish(smb(at=T0))
    await notifier.deliver(after=GROUP_WAIT)
    # The source raises the same alert again (new event ids): nothing new is sent.
    await notifier.publish(smb(at=T0 + timedelta(minutes=1)), smb(at=T0 + timedelta(hours=2)))
    await notifier.deliver(after=timedelta(hours=3))
    assert len(smtp_catcher.to(JANE)) == 1
    assert await notifier.delivery_count() == 1


async def test_a_replayed_alert_sends_nothing_new(notifier, smtp_catcher):
    first = smb("acct-replay")
    await notifier.publish(first)
    await notifier.deliver(after=GROUP_WAIT)
    assert len(smtp_catcher.messages) == 1
    # The very same event again (a producer retry, a re-consumed partition), followed
    # by a marker event for the same account so we know the replay was consumed.
    marker = smb("acct-replay", rule="nps.detractor", csm="omar")
    await notifier.publish(first, marker, new=1)
    await notifier.deliver(after=GROUP_WAIT)
    assert len(smtp_catcher.to(JANE)) == 1
    assert len(smtp_catcher.to("omar@example.com")) == 1
    assert await notifier.delivery_count() == 2


async def test_repeat_interval_sends_again_only_after_24_hours(notifier, smtp_catcher):
    await notifier.publish(smb())
    await notifier.deliver(after=GROUP_WAIT)
    await notifier.deliver(after=timedelta(hours=23))
    assert len(smtp_catcher.messages) == 1
    await notifier.deliver(after=timedelta(hours=1))  # recheck queues the repeat
    await notifier.deliver(after=GROUP_WAIT)
    assert len(smtp_catcher.messages) == 2
    # The repeat says it is one: it is not a new alert.
    first, repeat = (m.subject for m in smtp_catcher.messages)
    assert first == "[Renewal Radar] Warning: usage.sharp_drop on acct-1 — Acct-1 Inc"
    assert repeat == "[Renewal Radar] Reminder (warning): usage.sharp_drop on acct-1 — Acct-1 Inc"


async def test_alerts_for_one_csm_become_one_digest(notifier, smtp_catcher):
    await notifier.publish(
        smb("acct-a", severity="critical", rule="renewal.at_risk"),
        smb("acct-b"),
        smb("acct-c", rule="engagement.silent"),
        smb("acct-d", csm="omar"),
    )
    await notifier.deliver(after=GROUP_WAIT)
    [digest] = smtp_catcher.to(JANE)
    assert digest.subject == "[Renewal Radar] 3 new alerts (1 critical)"
    text = digest.part("plain")
    for account in ("acct-a", "acct-b", "acct-c"):
        assert f"on {account}" in text
    # The critical alert comes first.
    assert text.index("acct-a") < text.index("acct-b")
    assert len(smtp_catcher.to("omar@example.com")) == 1

    # group_interval: a new alert 1 minute after the digest waits for 5 minutes
    # after it, even though its own group_wait is over earlier.
    await notifier.deliver(after=timedelta(minutes=1))
    await notifier.publish(smb("acct-e"))
    await notifier.deliver(after=timedelta(minutes=3))
    assert len(smtp_catcher.to(JANE)) == 1
    await notifier.deliver(after=timedelta(minutes=1))
    assert len(smtp_catcher.to(JANE)) == 2


async def test_a_critical_alert_mutes_warnings_of_its_account_until_it_resolves(
    notifier, smtp_catcher
):
    critical = dict(rule="renewal.at_risk", severity="critical")
    await notifier.publish(smb("acct-i", **critical), smb("acct-i", rule="usage.sharp_drop"))
    await notifier.deliver(after=GROUP_WAIT)
    [message] = smtp_catcher.to(JANE)
    assert "renewal.at_risk" in message.subject
    assert "usage.sharp_drop" not in message.part("plain")
    [warning] = [a for a in await notifier.alerts() if a["rule"] == "usage.sharp_drop"]
    assert warning["inhibited_by"] == "renewal.at_risk:acct-i"

    # The critical alert resolves: its resolved notice, and the warning it was muting.
    await notifier.publish(smb("acct-i", **critical, resolved=True, at=T0 + timedelta(hours=1)))
    await notifier.deliver(after=GROUP_WAIT + timedelta(minutes=5))
    second = smtp_catcher.to(JANE)[1].part("plain")
    assert "[RESOLVED] renewal.at_risk on acct-i" in second
    assert "usage.sharp_drop on acct-i" in second


async def test_a_warning_queued_before_its_critical_arrives_is_held_back(notifier, smtp_catcher):
    await notifier.publish(smb("acct-j", rule="usage.sharp_drop"))
    await notifier.deliver(after=timedelta(seconds=10))
    await notifier.publish(smb("acct-j", rule="renewal.at_risk", severity="critical"))
    await notifier.deliver(after=GROUP_WAIT)
    [message] = smtp_catcher.to(JANE)
    assert "renewal.at_risk" in message.subject
    assert "usage.sharp_drop" not in message.part("plain")


async def test_resolved_notice_goes_to_whoever_was_told(notifier, smtp_catcher):
    await notifier.publish(smb("acct-r"))
    await notifier.deliver(after=GROUP_WAIT)
    await notifier.publish(smb("acct-r", resolved=True, at=T0 + timedelta(hours=1)))
    await notifier.deliver(after=timedelta(minutes=5))
    [_raised, resolved] = smtp_catcher.to(JANE)
    assert resolved.subject == "[Renewal Radar] Resolved: usage.sharp_drop on acct-r — Acct-R Inc"
    [listed] = await notifier.alerts(state="resolved")
    assert listed["dedup_key"] == "usage.sharp_drop:acct-r"


async def test_an_alert_resolved_before_anyone_was_told_sends_nothing(notifier, smtp_catcher):
    await notifier.publish(
        smb("acct-q"), smb("acct-q", resolved=True, at=T0 + timedelta(seconds=5))
    )
    await notifier.deliver(after=GROUP_WAIT)
    await notifier.deliver(after=timedelta(minutes=10))
    assert smtp_catcher.messages == []
    assert await notifier.delivery_count() == 0
