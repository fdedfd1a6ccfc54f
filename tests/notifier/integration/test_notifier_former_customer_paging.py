"""A former customer (every subscription's newest term churned, as renewal.state_changed
tells it) pages nobody but the churn itself, whichever arrives first; its alerts stay
in the API; a win-back makes it a customer again."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from notifier_harness import T0, alert, renewal

pytestmark = pytest.mark.integration

GROUP_WAIT = timedelta(seconds=30)
JANE = "jane@example.com"
DUE = date(2026, 2, 20)


def smb(account: str, **fields):
    """An SMB alert: the test rules send it to the owner's email (and a critical one
    to the manager too)."""
    return alert(account, segment="smb", **fields)


def told(smtp_catcher) -> str:
    return "\n".join(m.subject + m.part("plain") for m in smtp_catcher.messages)


async def test_a_former_customer_pages_nobody_but_its_churn(notifier, smtp_catcher):
    churned = renewal("acct-gone", "sub-gone", DUE, "churned", 50_000.0, T0 - timedelta(days=1))
    await notifier.publish(churned)
    await notifier.publish(
        smb("acct-gone", rule="champion.left", severity="critical"),
        smb("acct-gone", rule="renewal.churned", severity="info"),
        smb("acct-live"),
    )
    await notifier.deliver(after=GROUP_WAIT)
    text = told(smtp_catcher)
    assert "renewal.churned on acct-gone" in text
    assert "usage.sharp_drop on acct-live" in text
    assert "champion.left" not in text
    # Kept, raised and visible, told to nobody.
    [kept] = await notifier.alerts(account="acct-gone", notified="false")
    assert (kept["rule"], kept["state"], kept["last_notified_at"]) == (
        "champion.left",
        "raised",
        {},
    )


async def test_a_notice_queued_before_the_churn_arrived_is_not_sent(notifier, smtp_catcher):
    await notifier.publish(smb("acct-late"))
    await notifier.publish(renewal("acct-late", "sub-late", DUE, "churned", 9_000.0, T0))
    await notifier.deliver(after=GROUP_WAIT)
    await notifier.deliver(after=timedelta(hours=1))
    assert smtp_catcher.messages == []
    [kept] = await notifier.alerts(account="acct-late")
    assert (kept["state"], kept["last_notified_at"]) == ("raised", {})


async def test_a_win_back_makes_the_account_a_customer_again(notifier, smtp_catcher):
    lost = renewal("acct-back", "sub-back", DUE, "churned", 20_000.0, T0 - timedelta(days=2))
    await notifier.publish(lost)
    await notifier.publish(smb("acct-back", rule="nps.detractor"))
    await notifier.deliver(after=GROUP_WAIT)
    assert smtp_catcher.messages == []
    won_back = renewal(
        "acct-back", "sub-back", date(2027, 2, 20), "upcoming", 20_000.0, T0 - timedelta(days=1)
    )
    await notifier.publish(won_back)
    await notifier.publish(smb("acct-back", at=T0 + timedelta(minutes=1)))
    await notifier.deliver(after=GROUP_WAIT + timedelta(minutes=1))
    [email] = smtp_catcher.to(JANE)
    assert "usage.sharp_drop on acct-back" in email.subject + email.part("plain")


async def test_a_churn_of_long_ago_judged_last_makes_a_former_customer(notifier, smtp_catcher):
    # A history loads: renewals judged the term overdue today, then the cancellation of
    # months ago arrived and it judged the term churned: the newer verdict.
    today = T0 - timedelta(minutes=5)
    overdue = renewal("acct-old", "sub-old", DUE, "overdue", 9_000.0, today)
    long_ago = T0 - timedelta(days=120)
    churned = renewal("acct-old", "sub-old", DUE, "churned", 9_000.0, long_ago, evaluated_at=T0)
    await notifier.publish(overdue)
    await notifier.publish(churned)
    await notifier.publish(smb("acct-old", rule="champion.left", severity="critical"))
    await notifier.deliver(after=GROUP_WAIT)
    await notifier.deliver(after=timedelta(hours=1))
    assert smtp_catcher.messages == []
