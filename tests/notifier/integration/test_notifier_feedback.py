""" "Not useful" verdicts through the API: stored with the person and the reason,
refused to whoever may not act on the account, audited, listed page by page."""

from __future__ import annotations

import pytest
from notifier_harness import alert

from radar_runtime.auth.roles import Role

pytestmark = pytest.mark.integration

KEY = "usage.sharp_drop:acct-1"


async def test_a_verdict_is_stored_with_its_person_and_reason_and_replaced_by_their_next(
    notifier,
):
    await notifier.publish(alert("acct-1", segment="smb"))
    jane = await notifier.as_person(Role.CSM, "jane@example.com", "Jane Doe")
    http = notifier.http
    first = await http.post(
        f"/v1/alerts/{KEY}/feedback", json={"reason": "already_known"}, headers=jane
    )
    assert first.status_code == 200, first.text
    verdict = first.json()
    assert (verdict["reason"], verdict["by_name"], verdict["via"]) == (
        "already_known",
        "Jane Doe",
        "token",
    )
    assert verdict["rule"] == "usage.sharp_drop" and verdict["account_id"] == "acct-1"
    again = await http.post(
        f"/v1/alerts/{KEY}/feedback",
        json={"reason": "other", "note": "Renewal already signed\nby phone"},
        headers=jane,
    )
    assert again.status_code == 200, again.text
    [stored] = (await http.get("/v1/feedback")).json()["feedback"]
    assert (stored["reason"], stored["note"]) == ("other", "Renewal already signed\nby phone")
    entries = (await http.get("/v1/audit")).json()["entries"]
    assert [e["action"] for e in entries] == ["alert.marked_not_useful"] * 2
    assert entries[0]["after"] == {"reason": "other", "note": "Renewal already signed\nby phone"}
    assert entries[0]["actor_name"] == "Jane Doe"
    # A verdict changes nothing about notifications: the alert is still raised.
    [shown] = await notifier.alerts()
    assert shown["state"] == "raised"
    # The list carries what a person acts on: why, and the recommended play.
    assert shown["summary"] == "Active usage fell 45 % week over week."
    assert shown["drivers"] == [
        {"name": "usage_trend", "value": -45.0, "explanation": "Active usage fell 45 %"}
    ]
    assert shown["recommended_actions"] == ["Schedule a check-in", "Share the usage guide"]


async def test_a_verdict_is_refused_to_whoever_may_not_act_and_bad_bodies_name_the_field(
    notifier,
):
    await notifier.publish(alert("acct-1", segment="smb"))
    http = notifier.http
    viewer = await notifier.as_person(Role.VIEWER, "vic@example.com", "Vic Viewer")
    other = await notifier.as_person(Role.CSM, "omar@example.com", "Omar Other")
    body = {"reason": "wrong"}
    assert (
        await http.post(f"/v1/alerts/{KEY}/feedback", json=body, headers=viewer)
    ).status_code == 403
    assert (
        await http.post(f"/v1/alerts/{KEY}/feedback", json=body, headers=other)
    ).status_code == 403
    assert (await http.post("/v1/alerts/nope/feedback", json=body)).status_code == 404
    for bad in ({"reason": "boring"}, {}, {"reason": "other", "note": "a\u0000b"}):
        response = await http.post(f"/v1/alerts/{KEY}/feedback", json=bad)
        assert response.status_code == 422, (bad, response.text)
    assert (await http.get("/v1/feedback?rule=bogus")).status_code == 422
    assert (await http.get("/v1/feedback")).json() == {"feedback": [], "next_cursor": None}
    assert (await http.get("/v1/audit")).json()["entries"] == []


async def test_verdicts_page_to_the_end(notifier):
    await notifier.publish(*(alert(f"acct-{n}", segment="smb") for n in range(3)))
    for n in range(3):
        response = await notifier.http.post(
            f"/v1/alerts/usage.sharp_drop:acct-{n}/feedback", json={"reason": "not_actionable"}
        )
        assert response.status_code == 200
    first = (await notifier.http.get("/v1/feedback", params={"limit": 2})).json()
    assert [v["account_id"] for v in first["feedback"]] == ["acct-2", "acct-1"]
    rest = (await notifier.http.get("/v1/feedback", params={"cursor": first["next_cursor"]})).json()
    assert [v["account_id"] for v in rest["feedback"]] == ["acct-0"]
    assert rest["next_cursor"] is None
