"""GET /v1/rules/quality counts exactly what became of each rule's alerts, and of the
accounts the churn-warning rules fired on, learnt from renewal.state_changed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from notifier_harness import T0, alert, renewal

from radar_runtime.auth.roles import Role

pytestmark = pytest.mark.integration

GROUP_WAIT = timedelta(seconds=30)
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def smb(account: str, **fields):
    return alert(account, segment="smb", **fields)


async def report(notifier, **params) -> dict[str, dict]:
    response = await notifier.http.get("/v1/rules/quality", params=params or MARCH)
    assert response.status_code == 200, response.text
    body = response.json()
    return {row["rule"]: row for row in body["rules"]}


async def test_each_rule_is_counted_exactly_with_the_outcomes_of_its_accounts(notifier):
    http = notifier.http
    jane = await notifier.as_person(Role.CSM, "jane@example.com", "Jane Doe")
    omar = await notifier.as_person(Role.CSM, "omar@example.com", "Omar Other")
    history = smb("acct-0", at=T0 - timedelta(days=30))  # February: outside the period
    await notifier.publish(
        history,
        smb("acct-1"),
        smb("acct-2", csm="omar"),
        smb("acct-3"),
        smb("acct-1", rule="nps.detractor"),
        smb("acct-4", rule="renewal.at_risk", severity="critical"),
    )
    await notifier.publish(smb("acct-3", at=T0 + timedelta(seconds=5), resolved=True))
    await notifier.deliver(after=timedelta(minutes=3))  # the February one is history, held
    await notifier.deliver(after=timedelta(minutes=10))
    assert (await http.post("/v1/alerts/usage.sharp_drop:acct-1/ack", headers=jane)).is_success
    until = (T0 + timedelta(days=2)).isoformat()
    snooze = await http.post(
        "/v1/alerts/usage.sharp_drop:acct-2/snooze", json={"until": until}, headers=omar
    )
    assert snooze.is_success
    for key, person, reason in (
        ("usage.sharp_drop:acct-2", omar, "wrong"),
        ("nps.detractor:acct-1", jane, "already_known"),
    ):
        judged = await http.post(
            f"/v1/alerts/{key}/feedback", json={"reason": reason}, headers=person
        )
        assert judged.is_success, judged.text
    notifier.clock.advance(timedelta(minutes=5))
    assert (await http.post("/v1/alerts/usage.sharp_drop:acct-2/ack", headers=omar)).is_success

    day = timedelta(days=1)
    await notifier.publish(
        # acct-1 churned; acct-2 renewed for less; acct-3 renewed for as much.
        renewal("acct-1", "sub-1", date(2026, 6, 30), "churned", 100_000.0, T0 + day),
        renewal("acct-2", "sub-2", date(2026, 5, 31), "renewed_on_time", 100_000.0, T0 + 2 * day),
        renewal("acct-2", "sub-2", date(2027, 5, 31), "upcoming", 80_000.0, T0 + 2 * day),
        renewal("acct-3", "sub-3", date(2026, 9, 30), "renewed_early", 90_000.0, T0 + 3 * day),
        renewal("acct-3", "sub-3", date(2027, 9, 30), "upcoming", 120_000.0, T0 + 3 * day),
        # acct-4's last renewal was decided before the alert: it says nothing of it.
        renewal("acct-4", "sub-4", date(2026, 2, 1), "churned", 50_000.0, T0 - 20 * day),
    )

    rules = await report(notifier)
    assert len(rules) == 11  # every rule, each once
    usage = rules["usage.sharp_drop"]
    assert {k: usage[k] for k in ("raised", "notified", "acked", "snoozed")} == {
        "raised": 3,  # acct-1, acct-2, and acct-3 which came and went
        "notified": 2,
        "acked": 2,
        "snoozed": 1,
    }
    # Told at the 3-minute flush, acknowledged 10 and 15 minutes later.
    assert usage["median_seconds_to_ack"] == pytest.approx(12.5 * 60)
    assert usage["not_useful"] == {
        "total": 1,
        "by_reason": {"wrong": 1, "already_known": 0, "not_actionable": 0, "other": 0},
    }
    assert usage["outcomes"] == {
        "accounts": 3,
        "churned": 1,
        "contracted": 1,
        "renewed": 1,
        "pending": 0,
        "precision": 0.6667,
    }
    nps = rules["nps.detractor"]
    assert (nps["raised"], nps["notified"], nps["not_useful"]["by_reason"]["already_known"]) == (
        1,
        1,
        1,
    )
    assert nps["outcomes"]["churned"] == 1 and nps["outcomes"]["precision"] == 1.0
    at_risk = rules["renewal.at_risk"]["outcomes"]
    assert (at_risk["accounts"], at_risk["pending"], at_risk["precision"]) == (1, 1, None)
    assert rules["renewal.window_opened"]["outcomes"] is None  # not a churn warning
    assert rules["champion.left"]["raised"] == 0

    february = await report(notifier, **{"from": "2026-01-31", "to": "2026-01-31"})
    assert february["usage.sharp_drop"]["raised"] == 1
    april = await report(notifier, **{"from": "2026-04-01", "to": "2026-04-30"})
    assert all(row["raised"] == 0 for row in april.values())


async def test_a_period_that_makes_no_sense_is_refused_naming_the_field(notifier):
    for params, field in (
        ({"from": "2026-03-31", "to": "2026-03-01"}, "from"),
        ({"to": "9999-12-31"}, "to"),
    ):
        response = await notifier.http.get("/v1/rules/quality", params=params)
        assert response.status_code == 422
        assert response.json()["error"]["details"][0]["field"] == field
    assert (await notifier.http.get("/v1/rules/quality?from=soon")).status_code == 422


async def test_the_default_period_starts_with_the_calendar_for_a_to_in_year_one(notifier):
    response = await notifier.http.get("/v1/rules/quality", params={"to": "0001-01-05"})
    assert response.status_code == 200
    assert (response.json()["from"], response.json()["to"]) == ("0001-01-01", "0001-01-05")
