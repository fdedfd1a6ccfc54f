"""Acknowledge and snooze through the API, honoured by later notifications; the listings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from notifier_harness import T0, alert

from radar_runtime.auth.roles import Role

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
    jane = await notifier.as_person(Role.CSM, JANE, "Jane Doe")
    response = await notifier.http.post(f"/v1/alerts/al-{KEY}/ack", headers=jane)
    assert response.status_code == 200, response.text
    assert response.json()["state"] == "acked"
    assert response.json()["acked_by"] == "Jane Doe <jane@example.com>"
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
        f"/v1/alerts/{KEY}/snooze", json={"until": until.isoformat()}
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
    assert (await http.post("/v1/alerts/nope/ack")).status_code == 404
    assert (await http.get("/v1/alerts?state=bogus")).status_code == 422
    past = (T0 - timedelta(hours=1)).isoformat()
    late = await http.post("/v1/alerts/usage.sharp_drop:acct-x/snooze", json={"until": past})
    assert late.status_code == 422
    # Who acknowledges comes from the credential, never from the body.
    forged = await http.post(
        "/v1/alerts/usage.sharp_drop:acct-x/snooze", json={"until": past, "by": "x"}
    )
    assert forged.status_code == 422

    await notifier.publish(smb("acct-y", resolved=True, at=T0 + timedelta(minutes=1)))
    resolved = await http.post("/v1/alerts/usage.sharp_drop:acct-y/ack")
    assert resolved.status_code == 409
    assert (await http.get("/v1/deliveries?status=lost")).status_code == 422


async def test_only_the_owner_their_manager_or_an_admin_may_ack_and_each_change_is_audited(
    notifier,
):
    await notifier.publish(smb("acct-1"))
    key = "usage.sharp_drop:acct-1"
    http = notifier.http
    viewer = await notifier.as_person(Role.VIEWER, "vic@example.com", "Vic Viewer")
    other = await notifier.as_person(Role.CSM, "omar@example.com", "Omar Other")
    jane = await notifier.as_person(Role.CSM, JANE, "Jane Doe")

    assert (
        await http.post(f"/v1/alerts/{key}/ack", headers={"Authorization": ""})
    ).status_code == 401
    as_viewer = await http.post(f"/v1/alerts/{key}/ack", headers=viewer)
    assert as_viewer.status_code == 403
    as_other = await http.post(f"/v1/alerts/{key}/ack", headers=other)
    assert as_other.status_code == 403
    assert "Omar Other" in as_other.json()["error"]["message"]
    assert (await notifier.alerts(state="raised"))[0]["acked_by"] is None

    until = (T0 + timedelta(days=1)).isoformat()
    assert (
        await http.post(f"/v1/alerts/{key}/snooze", json={"until": until}, headers=jane)
    ).is_success
    assert (await http.delete(f"/v1/alerts/{key}/snooze", headers=jane)).is_success
    assert (await http.post(f"/v1/alerts/{key}/ack", headers=jane)).is_success

    entries = (await http.get("/v1/audit")).json()["entries"]
    assert [e["action"] for e in entries] == ["alert.acked", "alert.unsnoozed", "alert.snoozed"]
    assert {e["actor_name"] for e in entries} == {"Jane Doe"}
    assert {e["actor_email"] for e in entries} == {JANE}
    assert {e["target_id"] for e in entries} == {f"al-{key}"}
    snoozed = entries[2]
    assert snoozed["before"] == {"state": "raised", "acked_by": None, "snoozed_until": None}
    assert snoozed["after"]["state"] == "snoozed"
    assert snoozed["after"]["snoozed_until"].startswith("2026-03-03T09:00:00")
    assert entries[0]["after"]["acked_by"] == "Jane Doe <jane@example.com>"
    # Their manager may act on the account too.
    await notifier.publish(smb("acct-2"))
    boss = await notifier.as_person(Role.MANAGER, "max@example.com", "Max Boss")
    assert (await http.post("/v1/alerts/usage.sharp_drop:acct-2/ack", headers=boss)).is_success
    # The audit log is for admins only.
    assert (await http.get("/v1/audit", headers=jane)).status_code == 403
