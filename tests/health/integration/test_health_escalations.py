"""health.scored carries the account's open escalations, and is emitted whenever their
count changes, even when the score does not move (downstream takes them as a fact)."""

from __future__ import annotations

import pytest
from health_harness import (
    account_upserted,
    at,
    engagement,
    health_settings,
    new_account,
    running_health,
    ticket,
)

from radar_health.rules import PACKAGE, HealthRules
from radar_runtime.rules import rules_from_mapping
from radar_runtime.testing.helpers import publish

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]

# Tickets do not weigh in the score here, so only the escalation count can change.
RULES = rules_from_mapping(HealthRules, PACKAGE, {"scorecard": {"weights": {"support_load": 0}}})


async def test_an_escalation_opened_and_closed_is_announced_with_an_unchanged_score(
    kafka_bootstrap, database_url
):
    settings = health_settings(kafka_bootstrap, database_url)
    async with running_health(settings, rules=RULES) as health:
        account = new_account()
        # Live events (of today): history arriving late is held until it settles.

        def scored() -> list:
            return health.emitted.of(account, "health.scored")

        async def applied(*events) -> None:
            await publish(kafka_bootstrap, settings, list(events))
            ids = [e.event_id for e in events]
            await health.wait_for_async(lambda: health.settled(account, ids), what="applied")

        await applied(account_upserted(account, at(hours=11)), engagement(account, at(hours=10)))
        [first] = await health.wait_for(scored, what="the first health.scored")
        assert first.payload.open_escalations == 0

        await applied(ticket(account, at(hours=9), "opened", "T-1", escalated=True))
        await health.wait_for(lambda: len(scored()) == 2, what="health.scored for T-1")
        opened = scored()[1].payload
        assert opened.open_escalations == 1
        assert (opened.score, opened.band) == (first.payload.score, first.payload.band)
        assert health.emitted.alerts(account)["support.escalation"][0].dedup_key.endswith(":T-1")

        # A ticket the rule does not watch changes nothing downstream sees.
        emitted_at = "SELECT emitted_at FROM account_health WHERE account_id = :a"
        [(announced,)] = await health.sql(emitted_at, a=account)
        await applied(ticket(account, at(hours=8), "opened", "T-2", priority="low"))
        assert await health.sql(emitted_at, a=account) == [(announced,)]

        await applied(ticket(account, at(hours=6), "closed", "T-1", escalated=True))
        await health.wait_for(lambda: len(scored()) == 3, what="health.scored for T-1 closed")
        closed = scored()[2].payload
        assert closed.open_escalations == 0
        assert (closed.score, closed.band) == (first.payload.score, first.payload.band)
        assert [e.payload.open_escalations for e in scored()] == [0, 1, 0]
