"""Time passing without events: the scheduled recompute under an injected clock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from health_harness import (
    T0,
    at,
    contact,
    engagement,
    health_settings,
    new_account,
    running_health,
)

from radar_health.work.scheduled_recompute import RECOMPUTE_JOB
from radar_runtime.testing.helpers import publish

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]


async def test_sixty_silent_days_raise_alerts_and_an_engagement_clears_them(
    kafka_bootstrap, database_url
):
    async with running_health(health_settings(kafka_bootstrap, database_url)) as health:
        account = new_account()
        await publish(
            kafka_bootstrap,
            health.settings,
            [
                # Live events (of today): history arriving late would be replayed instead.
                contact(account, at(hours=2), "c-champ", "champion"),
                contact(account, at(hours=2), "c-exec", "exec_sponsor"),
                engagement(account, at(hours=1)),
            ],
        )
        await health.wait_for(
            lambda: [
                e for e in health.emitted.of(account, "health.scored") if e.payload.score == 100
            ],
            what="a first score of 100",
        )

        health.clock.advance(timedelta(days=60))
        assert RECOMPUTE_JOB in await health.runtime.scheduler.run_due()

        wanted = {"engagement.silent", "health.band_dropped", "health.sharp_decline"}
        await health.wait_for(
            lambda: wanted <= set(health.emitted.alerts(account)), what=f"alerts {wanted}"
        )
        raised = health.emitted.alerts(account)
        silent = raised["engagement.silent"][0]
        assert {d.name: d.value for d in silent.drivers} == {"days_since_engagement": 60.0}
        assert silent.title == f"No engagement since {T0.date().isoformat()}"
        assert raised["health.band_dropped"][0].severity == "warning"  # green → yellow
        scored = health.emitted.of(account, "health.scored")[-1].payload
        assert (scored.score, scored.band, scored.previous_score) == (63.7, "yellow", 100.0)
        assert scored.score_30d_ago == 100.0

        view = (await health.client.get(f"/v1/accounts/{account}/health")).json()
        assert view["score"] == 63.7 and view["band"] == "yellow"
        assert view["trend"] == {
            "score_7d_ago": 100.0,
            "score_30d_ago": 100.0,
            "change_7d": -36.3,
            "change_30d": -36.3,
        }
        assert {a["rule"] for a in view["open_alerts"]} == wanted

        # The daily pass writes a point every day, even when nothing is emitted.
        health.clock.advance(timedelta(days=1))
        assert RECOMPUTE_JOB in await health.runtime.scheduler.run_due()
        history = (await health.client.get(f"/v1/accounts/{account}/health/history?days=90")).json()
        assert [p["at"][:10] for p in history["points"]] == [
            T0.date().isoformat(),
            (T0 + timedelta(days=60)).date().isoformat(),
            (T0 + timedelta(days=61)).date().isoformat(),
        ]
        assert [p["score"] for p in history["points"]][:2] == [100.0, 63.7]

        await publish(kafka_bootstrap, health.settings, [engagement(account, health.clock.now())])
        await health.wait_for(
            lambda: wanted <= set(health.emitted.alerts(account, "alert.resolved")),
            what="every alert resolved",
        )
        assert health.emitted.of(account, "health.scored")[-1].payload.score == 100.0
        assert all(len(alerts) == 1 for alerts in health.emitted.alerts(account).values())

        metrics = (await health.client.get("/metrics")).text
        raised_series = (
            "radar_alerts_raised_total"
            '{rule="engagement.silent",service="health",severity="warning"}'
        )
        assert raised_series in metrics
        assert 'radar_health_accounts{band="green"}' in metrics
