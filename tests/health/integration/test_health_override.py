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
from radar_runtime.auth.roles import Role
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
            "expires_at": expires.isoformat(),
        }
        dana = await health.as_person(Role.CSM, "dana.reyes@example.com", "Dana Reyes")
        response = await health.client.put(url, json=body, headers=dana)
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
        assert announced.override.author == "Dana Reyes <dana.reyes@example.com>"

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

        assert (await health.client.delete(url, headers=dana)).status_code == 204
        assert (await health.client.get(f"/v1/accounts/{account}/health")).json()[
            "override"
        ] is None
        second = await health.client.delete(url)
        assert second.status_code == 404
        assert second.json()["error"]["message"] == f"account '{account}' has no override"

        entries = (await health.client.get("/v1/audit")).json()["entries"]
        assert [e["action"] for e in entries] == [
            "health.override_cleared",
            "health.override_set",
        ]
        cleared, set_ = entries
        assert {e["actor_name"] for e in entries} == {"Dana Reyes"}
        assert set_["target_id"] == account and set_["before"] is None
        assert set_["after"]["score"] == 35 and set_["after"]["reason"] == body["reason"]
        assert set_["after"]["author"] == "Dana Reyes <dana.reyes@example.com>"
        assert cleared["before"]["score"] == 35 and cleared["after"] is None


async def test_override_requests_are_validated(kafka_bootstrap, database_url):
    async with running_health(health_settings(kafka_bootstrap, database_url)) as health:
        account = new_account()
        await publish(kafka_bootstrap, health.settings, [engagement(account, at(1))])
        await health.wait_for(lambda: scored(health, account), what="a first score")
        url = f"/v1/accounts/{account}/health/override"
        valid = {"band": "yellow", "reason": "r", "expires_at": "2026-04-01T00:00:00Z"}

        past = await health.client.put(url, json={**valid, "expires_at": "2026-01-01T00:00:00Z"})
        assert past.status_code == 422
        assert past.json()["error"]["details"][0]["field"] == "body.expires_at"
        # Who overrides comes from the credential: an `author` in the body is refused.
        forged = await health.client.put(url, json={**valid, "author": "somebody"})
        assert forged.status_code == 422
        assert forged.json()["error"]["details"][0]["field"] == "body.author"
        without_band = {k: v for k, v in valid.items() if k != "band"}
        neither = await health.client.put(url, json=without_band)
        assert neither.status_code == 422 and "set a score, a band or both" in neither.text
        # Left out, not null: the OpenAPI schema says so too.
        null_band = await health.client.put(url, json={**valid, "band": None})
        assert null_band.json()["error"]["details"][0]["field"] == "body.band"
        for field, value in [
            ("score", 101),
            ("reason", " "),
            ("band", "blue"),
            ("expires_at", "2026-04-01T00:00:00"),
            ("reason", "churn\x00risk"),  # PostgreSQL text cannot hold NUL
        ]:
            response = await health.client.put(url, json={**valid, field: value})
            assert response.status_code == 422, (field, response.text)
            assert response.json()["error"]["details"][0]["field"] == f"body.{field}"
        lines = await health.client.put(url, json={**valid, "reason": "churn risk:\n\tno champion"})
        assert lines.status_code == 200, lines.text

        unknown = await health.client.put("/v1/accounts/nobody/health/override", json=valid)
        assert unknown.status_code == 404
        assert unknown.json()["error"] == {
            "code": "not_found",
            "message": "account 'nobody' is not known to the health service",
            "details": [],
        }

        band_only = await health.client.put(url, json=valid)
        assert band_only.status_code == 200
        view = band_only.json()
        # A band-only override keeps the computed score as the score shown.
        assert (view["score"], view["band"]) == (view["computed_score"], "yellow")


async def test_only_the_owner_their_manager_or_an_admin_may_override(kafka_bootstrap, database_url):
    async with running_health(health_settings(kafka_bootstrap, database_url)) as health:
        account = new_account()
        await publish(
            kafka_bootstrap,
            health.settings,
            [account_upserted(account, at(3)), engagement(account, at(1))],
        )
        await health.wait_for(lambda: scored(health, account), what="a first score")
        url = f"/v1/accounts/{account}/health/override"
        body = {
            "score": 80,
            "reason": "renewal signed verbally",
            "expires_at": "2026-04-01T00:00:00Z",
        }
        viewer = await health.as_person(Role.VIEWER, "vic@example.com", "Vic Viewer")
        other = await health.as_person(Role.CSM, "omar@example.com", "Omar Other")
        boss = await health.as_person(Role.MANAGER, "sam.okafor@example.com", "Sam Okafor")

        assert (
            await health.client.put(url, json=body, headers={"Authorization": ""})
        ).status_code == 401
        assert (await health.client.put(url, json=body, headers=viewer)).status_code == 403
        refused = await health.client.put(url, json=body, headers=other)
        assert refused.status_code == 403
        assert "Omar Other" in refused.json()["error"]["message"]
        assert (await health.client.get(f"/v1/accounts/{account}/health")).json()[
            "override"
        ] is None
        assert (await health.client.put(url, json=body, headers=boss)).status_code == 200
        [entry] = (await health.client.get("/v1/audit")).json()["entries"]
        assert (entry["action"], entry["actor_name"], entry["actor_role"]) == (
            "health.override_set",
            "Sam Okafor",
            "manager",
        )
