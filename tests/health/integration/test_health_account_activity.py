"""What an account's page reads besides its health: the event timeline, usage by day,
the override history, the score trends of many accounts, and what changed between two
instants, through the real broker and database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from health_harness import (
    T0,
    account_upserted,
    at,
    contact,
    engagement,
    health_settings,
    identified,
    new_account,
    nps,
    running_health,
    subscription,
    ticket,
    usage,
)

from radar_runtime.auth.roles import Role
from radar_runtime.testing.helpers import publish

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]

SETTLE = timedelta(minutes=10)


async def test_account_activity_reads(kafka_bootstrap, database_url):
    async with running_health(health_settings(kafka_bootstrap, database_url)) as health:
        account = new_account()
        events = [
            account_upserted(account, at(45), segment="smb"),
            subscription(account, at(45)),
            contact(account, at(45), "c-champ", "champion", name="Lee Park"),
            contact(account, at(45), "c-exec", "exec_sponsor"),
            identified(account, at(44), "c-exec", "Ana Silva"),
            nps(account, at(40), 10, contact="c-champ"),
            engagement(account, at(41)),
            ticket(account, at(10), ticket_id="T-9", priority="urgent", escalated=True),
            nps(account, at(4), 1, contact="c-exec"),
            contact(account, at(3), "c-champ", "champion", change="left", name="Lee Park"),
            usage(account, at(2), 5, user="u-1"),
            usage(account, at(2, hours=1), 2, metric="reports", user="u-2"),
        ]
        await publish(kafka_bootstrap, health.settings, events)
        ids = [e.event_id for e in events]
        await health.wait_for_async(lambda: health.settled(account, ids), what="events applied")
        await health.replay_settled_history(SETTLE)

        # The timeline: newest first, people by name, money in its currency, paged.
        first = (await health.client.get(f"/v1/accounts/{account}/events?limit=4")).json()
        types = [e["type"] for e in first["events"]]
        assert types == ["contact.changed", "nps.submitted", "ticket.opened", "nps.submitted"]
        assert first["events"][1]["contact"]["name"] == "Ana Silva"  # named by contact.identified
        assert first["events"][0]["contact"]["name"] == "Lee Park"
        rest = (
            await health.client.get(
                f"/v1/accounts/{account}/events", params={"cursor": first["next_cursor"]}
            )
        ).json()
        assert rest["next_cursor"] is None
        every = first["events"] + rest["events"]
        times = [e["occurred_at"] for e in every]
        assert times == sorted(times, reverse=True)
        assert len(every) == len(events) - 3  # no usage, no contact.identified
        upsert = next(e for e in every if e["type"] == "subscription.upserted")
        assert (upsert["payload"]["arr"], upsert["currency"]) == (120_000.0, "EUR")
        bad = await health.client.get(f"/v1/accounts/{account}/events?cursor=nope")
        assert bad.status_code == 422
        assert (await health.client.get("/v1/accounts/nobody/events")).status_code == 404

        # Usage by day, each metric on every day of the window.
        used = (await health.client.get(f"/v1/accounts/{account}/usage?days=7")).json()
        assert len(used["days"]) == 7 and used["days"][-1] == T0.date().isoformat()
        day = used["days"].index(at(2).date().isoformat())
        assert used["metrics"]["logins"][day] == 5 and used["metrics"]["reports"][day] == 2
        assert sum(used["metrics"]["logins"]) == 5

        # What changed over the month: the NPS and the champion, from what to what.
        changes = (
            await health.client.get(
                f"/v1/accounts/{account}/health/changes",
                params={"from": at(30).isoformat(), "to": T0.isoformat()},
            )
        ).json()
        moved = {m["measure"]: m for m in changes["moves"]}
        assert {"satisfaction", "relationship", "support_load"} <= set(moved), moved
        assert moved["satisfaction"]["to_sub_score"] < moved["satisfaction"]["from_sub_score"]
        before, after = changes["from"]["score"], changes["to"]["score"]
        assert changes["score_change"] == round(after - before, 1) and after < before
        now = (await health.client.get(f"/v1/accounts/{account}/health")).json()
        assert after == now["computed_score"]  # the same facts give the same score
        backwards = (
            await health.client.get(
                f"/v1/accounts/{account}/health/changes",
                params={"from": T0.isoformat(), "to": at(30).isoformat()},
            )
        ).json()
        assert backwards == changes  # the earlier instant is `from`
        naive = await health.client.get(
            f"/v1/accounts/{account}/health/changes", params={"to": "2026-03-01T00:00:00"}
        )
        assert naive.status_code == 422

        # Override history: who (by name), what, why, newest first.
        dana = await health.as_person(Role.CSM, "dana.reyes@example.com", "Dana Reyes")
        url = f"/v1/accounts/{account}/health/override"
        body = {
            "band": "yellow",
            "reason": "exec re-engaged",
            "expires_at": (T0 + timedelta(days=9)).isoformat(),
        }
        assert (await health.client.put(url, json=body, headers=dana)).status_code == 200
        assert (await health.client.delete(url, headers=dana)).status_code == 204
        history = (await health.client.get(f"{url}s", headers=dana)).json()
        assert [c["action"] for c in history["changes"]] == ["removed", "set"]
        assert {c["by"] for c in history["changes"]} == {"Dana Reyes"}
        assert history["changes"][1]["band"] == "yellow"
        assert history["changes"][1]["reason"] == "exec re-engaged"

        # Trends of many accounts in one call; an unknown one has no points.
        trends = (
            await health.client.get(
                "/v1/trends", params={"account": [account, "nobody"], "days": 30}
            )
        ).json()
        mine, nobody = trends["accounts"]
        assert nobody == {"account_id": "nobody", "points": []}
        stored = (await health.client.get(f"/v1/accounts/{account}/health/history?days=30")).json()
        last_of_day: dict[str, float] = {}
        for point in stored["points"]:
            last_of_day[point["at"][:10]] = point["effective_score"] or point["score"]
        assert {p["day"]: p["score"] for p in mine["points"]} == last_of_day
        assert len(mine["points"]) >= 10  # a replayed point at every day's close
