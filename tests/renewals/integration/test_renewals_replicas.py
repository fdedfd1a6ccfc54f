"""Replicas re-derive the same accounts at once without losing a fact.

An account's CRM events and its health can reach different replicas. Each re-derives the
account's subscription from every stored fact; without a lock held across that read and
the write, the one that commits last can overwrite the other's newer fact with a row
derived before it.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import date, timedelta
from typing import Any

import pytest
from renewals_support import (
    Service,
    account,
    at,
    health,
    opportunity,
    running_service,
    subscription,
)
from sqlalchemy import select, text

from radar_renewals.store.tables import terms
from radar_runtime.testing.helpers import eventually
from radar_schemas import Envelope

pytestmark = pytest.mark.integration

TODAY = date(2026, 2, 1)
START, END = date(2025, 6, 1), date(2026, 6, 1)
ACCOUNTS = 40
ROUNDS = 12
STAGES = ("Discovery", "Proposal", "Negotiation", "Verbal Commit")


# Small batches and more health partitions than CRM ones: an account's CRM events and
# its health scores land on different replicas, in many interleaved transactions.
REPLICA_SETTINGS = {
    "batch_max_records": 16,
    "raw_topic_partitions": 2,
    "derived_topic_partitions": 3,
}


@pytest.fixture
async def replicas(kafka_bootstrap: str, database_url: str) -> AsyncIterator[list[Service]]:
    async with AsyncExitStack() as stack:
        started: list[Service] = []
        shared: dict[str, Any] = {}  # the second joins the first's schema, topics and group
        for _ in range(2):
            replica = running_service(
                kafka_bootstrap, database_url, at(TODAY), **REPLICA_SETTINGS, **shared
            )
            started.append(await stack.enter_async_context(replica))
            names = {"db_schema", "topic_prefix", "consumer_group"}
            shared = started[0].settings.model_dump(include=names)
        yield started


async def test_a_refresh_waits_for_the_account_and_reads_what_the_other_committed(
    kafka_bootstrap: str, database_url: str
) -> None:
    async with running_service(kafka_bootstrap, database_url, at(TODAY)) as service:
        runtime = service.runtime
        assert runtime.spec is not None and runtime.spec.routes is not None
        handle = runtime.spec.routes.apply
        acct, sub = "acct-1", "sub-1"
        async with runtime.unit_of_work() as uow:
            await handle(
                uow,
                [
                    account(acct, at(date(2025, 1, 1))),
                    subscription(
                        acct,
                        sub,
                        at(date(2025, 1, 2)),
                        start=date(2025, 6, 1),
                        end=date(2026, 6, 1),
                    ),
                ],
            )
        # Two transactions at once, as on two replicas: a CRM edit, then the health.
        crm = opportunity(
            acct,
            sub,
            at(date(2026, 1, 5)),
            stage="Negotiation",
            category="commit",
            close=date(2026, 6, 1),
        )
        scored = health(acct, at(date(2026, 1, 5)), score=22.0, band="red")
        pid: list[int] = []

        async def second() -> None:
            async with runtime.unit_of_work() as uow:
                pid.append(await uow.session.scalar(text("SELECT pg_backend_pid()")))
                await handle(uow, [scored])

        async with runtime.unit_of_work() as uow:
            await handle(uow, [crm])
            waiting = asyncio.create_task(second())
            await eventually(
                lambda: waits_on_a_lock(runtime, pid), timeout=30, what="the second to wait"
            )
        await waiting

        async with runtime.db.sessions() as session:  # type: ignore[union-attr]
            row = (
                await session.execute(
                    select(terms.c.health_score, terms.c.opportunity_stage).where(
                        terms.c.subscription_id == sub
                    )
                )
            ).one()
        assert (row.health_score, row.opportunity_stage) == (22.0, "Negotiation")


async def waits_on_a_lock(runtime: Any, pid: list[int]) -> bool:
    if not pid:
        return False
    async with runtime.db.sessions() as session:
        kind = await session.scalar(
            text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid[0]}
        )
    return bool(kind == "Lock")


def interleaved_updates(seed: int = 7) -> tuple[list[Envelope], dict[str, tuple[float, str]]]:
    """Per account: a subscription, then rounds of opportunity edits and health scores
    sent close together. Returns the events and each account's last (score, stage)."""
    rng = random.Random(seed)
    events: list[Envelope] = []
    last: dict[str, tuple[float, str]] = {}
    for i in range(ACCOUNTS):
        acct, sub = f"acct-{i}", f"sub-{i}"
        events += [
            account(acct, at(date(2025, 1, 1))),
            subscription(acct, sub, at(date(2025, 1, 2)), start=START, end=END),
        ]
    for r in range(ROUNDS):
        when = at(date(2026, 1, 1) + timedelta(days=r))
        for i in range(ACCOUNTS):
            acct, sub = f"acct-{i}", f"sub-{i}"
            score, stage = float(rng.randrange(10, 95)), rng.choice(STAGES)
            band = "green" if score >= 70 else "yellow" if score >= 40 else "red"
            events += [
                health(acct, when, score=score, band=band),
                opportunity(acct, sub, when, stage=stage, category="pipeline", close=END),
            ]
            last[acct] = (score, stage)
    return events, last


def counted_refreshes(replica: Service) -> list[int]:
    """A list that grows by one per refresh the replica's projector runs."""
    refresher = replica.parts.refresher
    refresh, calls = refresher.refresh, []

    async def counted(*args: Any, **kwargs: Any) -> int:
        calls.append(1)
        return await refresh(*args, **kwargs)

    refresher.refresh = counted  # type: ignore[method-assign]
    return calls


async def test_two_replicas_keep_every_accounts_newest_facts(replicas: list[Service]) -> None:
    first = replicas[0]
    refreshes = [counted_refreshes(replica) for replica in replicas]
    events, last = interleaved_updates()
    await first.publish(events)
    await first.wait_processed(events, timeout=90)
    assert all(count for count in refreshes), "both replicas re-derived subscriptions"

    db = first.runtime.db
    assert db is not None
    async with db.sessions() as session:
        rows = (
            await session.execute(
                select(terms.c.account_id, terms.c.health_score, terms.c.opportunity_stage)
            )
        ).all()
    assert {r.account_id: (r.health_score, r.opportunity_stage) for r in rows} == last

    # Re-deriving everything from the stored facts rewrites nothing: no replica left a
    # row behind its facts.
    async with first.runtime.unit_of_work() as uow:
        rewritten = await first.parts.refresher.refresh(uow, [f"sub-{i}" for i in range(ACCOUNTS)])
    assert rewritten == 0
