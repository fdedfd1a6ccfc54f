"""Acknowledge and snooze through the API, honoured by later notifications; the listings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from notifier_harness import T0, alert

pytestmark = pytest.mark.integration

GROUP_WAIT = timedelta(seconds=30)
JANE = "jane@example.com"
KEY = "usage.sharp_drop:acct-1"


def smb(account: str = "acct-1", **fields):
    return alert(account, segment="smb", **fields)


async def test_an_acknowledged_alert_is_not_repeated_but_its_resolution_is_sent(
    notifier, smtp_catcher
):
    await notifier.publish(smb())
    await notifier.deliver(after=GROUP_WAIT)
    response = await notifier.http.post(f"/v1/alerts/al-{KEY}/ack", json={"by": "jane"})
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "acked"
    assert response.json()["acked_by"] == "jane"
    await notifier.deliver(after=timedelta(days=2))
    assert len(smtp_catcher.messages) == 1
    [acked] = await notifier.alerts(state="acked")
    assert acked["dedup_key"] == KEY

    await notifier.publish(smb(resolved=True, at=T0 + timedelta(days=2)))
    await notifier.deliver(after=GROUP_WAIT + timedelta(minutes=5))
    assert "Resolved" in smtp_catcher.messages[1].subject


async def test_a_snooze_holds_notices_until_it_ends(notifier, smtp_catcher):
    await notifier.publish(smb())
    until = T0 + timedelta(hours=2)
    response = await notifier.http.post(
        f"/v1/alerts/{KEY}/snooze", json={"until": until.isoformat(), "by": "jane"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "snoozed"
    # The notice queued before the snooze is dropped at flush time.
    await notifier.deliver(after=GROUP_WAIT)
    await notifier.deliver(after=timedelta(hours=1))
    assert smtp_catcher.messages == []
    assert [a["dedup_key"] for a in await notifier.alerts(state="snoozed")] == [KEY]
    # Snooze over: the worker's recheck queues it, the next flush sends it.
    await notifier.deliver(after=timedelta(hours=1))
    await notifier.deliver(after=GROUP_WAIT)
    assert len(smtp_catcher.to(JANE)) == 1
    assert [a["dedup_key"] for a in await notifier.alerts(state="raised")] == [KEY]


async def test_a_snoozed_alert_raised_again_stays_quiet(notifier, smtp_catcher):
    await notifier.publish(smb())
    await notifier.deliver(after=GROUP_WAIT)
    until = (T0 + timedelta(days=3)).isoformat()
    assert (await notifier.http.post(f"/v1/alerts/{KEY}/snooze", json={"until": until})).is_success
    await notifier.publish(smb(resolved=True, at=T0 + timedelta(hours=1)))
    await notifier.publish(smb(at=T0 + timedelta(hours=2)))
    await notifier.deliver(after=timedelta(days=1))
    await notifier.deliver(after=GROUP_WAIT)
    assert len(smtp_catcher.messages) == 1


async def test_api_answers_clearly(notifier):
    await notifier.publish(smb("acct-x", csm="omar"), smb("acct-y"))
    assert [a["account_id"] for a in await notifier.alerts(owner="OMAR@example.com")] == ["acct-x"]
    assert [a["account_id"] for a in await notifier.alerts(account="acct-y")] == ["acct-y"]
    assert len(await notifier.alerts(state="raised")) == 2
    assert await notifier.alerts(state="resolved") == []

    http = notifier.http
    assert (await http.post("/v1/alerts/nope/ack", json={"by": "x"})).status_code == 404
    assert (await http.get("/v1/alerts?state=bogus")).status_code == 422
    past = (T0 - timedelta(hours=1)).isoformat()
    late = await http.post("/v1/alerts/usage.sharp_drop:acct-x/snooze", json={"until": past})
    assert late.status_code == 422
    assert (await http.post("/v1/alerts/usage.sharp_drop:acct-x/ack", json={})).status_code == 422

    await notifier.publish(smb("acct-y", resolved=True, at=T0 + timedelta(minutes=1)))
    resolved = await http.post("/v1/alerts/usage.sharp_drop:acct-y/ack", json={"by": "jane"})
    assert resolved.status_code == 409
    assert (await http.get("/v1/deliveries?status=lost")).status_code == 422
