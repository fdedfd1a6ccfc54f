"""Onboarding: a condition that came and went before anyone's digest, or was over
before its events arrived (history being loaded), pages nobody and is kept as
history; one that still holds is told once; live alerts still go at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from notifier_harness import T0, alert

pytestmark = pytest.mark.integration

GROUP_WAIT = timedelta(seconds=30)
SETTLE = timedelta(minutes=2)  # the shipped [history] settle
JANE = "jane@example.com"
LONG_AGO = T0 - timedelta(days=90)


def smb(account: str, **fields):
    """An SMB alert: the test rules send it to the owner's email only."""
    return alert(account, segment="smb", **fields)


async def test_an_alert_raised_and_resolved_before_its_digest_is_told_to_nobody(
    notifier, smtp_catcher
):
    await notifier.publish(smb("acct-flap", at=T0))
    await notifier.publish(smb("acct-flap", at=T0 + timedelta(seconds=10), resolved=True))
    await notifier.deliver(after=GROUP_WAIT)
    await notifier.deliver(after=timedelta(hours=1))
    assert smtp_catcher.messages == []
    assert await notifier.delivery_count() == 0
    [history] = await notifier.alerts(state="resolved", notified="false")
    assert history["account_id"] == "acct-flap"
    assert history["first_raised_at"].startswith(T0.isoformat()[:19])
    assert history["resolved_at"].startswith((T0 + timedelta(seconds=10)).isoformat()[:19])
    assert history["notified_at"] is None


async def test_loading_history_notifies_only_what_still_holds_once(notifier, smtp_catcher):
    # A year of history arrives in minutes: the batches come a minute apart.
    await notifier.publish(
        smb("acct-over", at=LONG_AGO), smb("acct-holds", at=LONG_AGO + timedelta(days=3))
    )
    await notifier.deliver(after=timedelta(minutes=1))
    await notifier.publish(smb("acct-over", at=LONG_AGO + timedelta(minutes=5), resolved=True))
    # The second batch extended the hold: two minutes after the first one, nothing yet.
    await notifier.deliver(after=timedelta(minutes=1, seconds=30))
    assert smtp_catcher.messages == []
    await notifier.deliver(after=timedelta(minutes=1))
    [told] = smtp_catcher.to(JANE)
    assert "acct-holds" in told.subject and "acct-over" not in told.part("plain")
    await notifier.deliver(after=timedelta(hours=1))
    assert len(smtp_catcher.messages) == 1

    [history] = await notifier.alerts(notified="false")
    assert (history["account_id"], history["state"]) == ("acct-over", "resolved")
    assert history["first_raised_at"].startswith(LONG_AGO.isoformat()[:19])
    [open_alert] = await notifier.alerts(notified="true")
    assert open_alert["account_id"] == "acct-holds"
    assert open_alert["notified_at"] is not None


async def test_a_live_alert_goes_at_once_while_history_loads(notifier, smtp_catcher):
    await notifier.publish(smb("acct-old", at=LONG_AGO))
    await notifier.publish(smb("acct-live", csm="omar", at=notifier.clock.now()))
    await notifier.deliver(after=GROUP_WAIT)
    assert [m.recipients for m in smtp_catcher.messages] == [("omar@example.com",)]
    await notifier.deliver(after=SETTLE)
    assert len(smtp_catcher.to(JANE)) == 1


async def test_history_that_never_settles_holds_a_notice_at_most_max_hold(notifier, smtp_catcher):
    await notifier.publish(smb("acct-old", at=LONG_AGO))
    # Late alert events keep coming, a minute apart: history never settles.
    for _ in range(59):
        notifier.clock.advance(timedelta(minutes=1))
        await notifier.publish(smb("acct-other", csm="omar", at=LONG_AGO))
    await notifier.deliver()
    assert smtp_catcher.to(JANE) == []  # held for 59 minutes
    await notifier.deliver(after=timedelta(minutes=1))  # max_hold (1 hour) reached
    assert len(smtp_catcher.to(JANE)) == 1
