"""A CSM's override: shown beside the computed score, kept across recomputes, expiring."""

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
    new_account,
    nps,
    running_health,
)

from radar_health.work.scheduled_recompute import RECOMPUTE_JOB
from radar_runtime.testing.helpers import publish

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]


def scored(health, account):
    return [e.payload for e in health.emitted.of(account, "health.scored")]


async def test_override_survives_recomputes_until_it_expires(kafka_bootstrap, database_url):
    async with running_health(health_settings(kafka_bootstrap, database_url)) as health:
        account = new_account()
        await publish(
            kafka_bootstrap,
            health.settings,
            [
                account_upserted(account, at(30), segment="smb"),
                contact(account, at(30), "c-champ", "champion"),
                contact(account, at(30), "c-exec", "exec_sponsor"),
                engagement(account, at(1)),
            ],
        )
        await health.wait_for(lambda: scored(health, account), what="a first score")
        url = f"/v1/accounts/{account}/health/override"
        expires = T0 + timedelta(days=10)
        body = {
            "score": 35,
            "reason": "Exec told us they are evaluating a competitor",
            "author": "dana.reyes@example.com",
            "expires_at": expires.isoformat(),
        }
        response = await health.client.put(url, json=body)
        assert response.status_code == 200, response.text
        view = response.json()
        assert (view["score"], view["band"], view["source"]) == (35.0, "red", "override")
        assert (view["computed_score"], view["computed_band"]) == (100.0, "green")
        assert view["override"]["reason"] == body["reason"] and view["override"]["active"]
        await health.wait_for(
            lambda: scored(health, account)[-1].override is not None, what="scored with override"
        )
        announced = scored(health, account)[-1]
        assert (announced.score, announced.band, announced.previous_score) == (35.0, "red", 100.0)
        assert announced.override.author == "dana.reyes@example.com"

        # An event recomputes the account; a day later the scheduled pass does too.
        await publish(kafka_bootstrap, health.settings, [nps(account, at(0.5), 3)])

        async def computed_after_nps():
            view = (await health.client.get(f"/v1/accounts/{account}/health")).json()
            return view["computed_score"] != 100.0 and view

        view = await health.wait_for_async(computed_after_nps, what="recompute after the NPS")
        assert (view["score"], view["source"]) == (35.0, "override")
        health.clock.advance(timedelta(days=1))
        assert RECOMPUTE_JOB in await health.runtime.scheduler.run_due()
        view = (await health.client.get(f"/v1/accounts/{account}/health")).json()
        assert (view["score"], view["band"], view["source"]) == (35.0, "red", "override")
        listed = (await health.client.get("/v1/accounts?band=red&segment=smb")).json()
        assert account in [item["account_id"] for item in listed["items"]]

        # Past the expiry the computed score is shown again and announced without override.
        health.clock.set(expires + timedelta(minutes=1))
        await health.wait_for(
            lambda: scored(health, account)[-1].override is None, what="expiry announced"
        )
        assert scored(health, account)[-1].score == view["computed_score"]
        view = (await health.client.get(f"/v1/accounts/{account}/health")).json()
        assert view["source"] == "computed" and view["override"]["active"] is False

        assert (await health.client.delete(url)).status_code == 204
        assert (await health.client.get(f"/v1/accounts/{account}/health")).json()[
            "override"
        ] is None
        second = await health.client.delete(url)
        assert second.status_code == 404
        assert second.json() == {"error": f"account '{account}' has no override"}


async def test_override_requests_are_validated(kafka_bootstrap, database_url):
    async with running_health(health_settings(kafka_bootstrap, database_url)) as health:
        account = new_account()
        await publish(kafka_bootstrap, health.settings, [engagement(account, at(1))])
        await health.wait_for(lambda: scored(health, account), what="a first score")
        url = f"/v1/accounts/{account}/health/override"
        valid = {
            "band": "yellow",
            "reason": "r",
            "author": "a",
            "expires_at": "2026-04-01T00:00:00Z",
        }

        past = await health.client.put(url, json={**valid, "expires_at": "2026-01-01T00:00:00Z"})
        assert (
            past.status_code == 422 and "expires_at must be in the future" in past.json()["error"]
        )
        neither = await health.client.put(url, json={**valid, "band": None})
        assert neither.status_code == 422 and "set a score, a band or both" in neither.text
        for field, value in [
            ("score", 101),
            ("reason", " "),
            ("band", "blue"),
            ("expires_at", "2026-04-01T00:00:00"),
        ]:
            response = await health.client.put(url, json={**valid, field: value})
            assert response.status_code == 422, (field, response.text)

        unknown = await health.client.put("/v1/accounts/nobody/health/override", json=valid)
        assert unknown.status_code == 404
        assert unknown.json() == {"error": "account 'nobody' is not known to the health service"}

        band_only = await health.client.put(url, json=valid)
        assert band_only.status_code == 200
        view = band_only.json()
        # A band-only override keeps the computed score as the score shown.
        assert (view["score"], view["band"]) == (view["computed_score"], "yellow")
