"""Renewals: CRM event consumption beside the runtime's no-op rate, then forecast and KPI
query latency over 100,000 subscription terms, all in one run against one broker and DB.

- backfill: 50,000 subscriptions over 25,000 accounts, each renewed once (two terms
  each: 100,000 terms), with opportunities and some cancellations: ~170,000 CRM events
  produced up front, then consumed (events/s from the first to the last batch). Every
  subscription is new here, so each one costs two new terms, two `renewal.state_changed`
  events and their history rows: the heaviest case per event;
- steady state: 60,000 CRM updates on those subscriptions (opportunity edits, contact
  changes, account and subscription re-upserts), produced while the service is stopped
  and consumed the same way once it restarts; the backfill's tables are vacuumed and
  analysed in between (`settle`), so this phase pays for its own dead rows only;
- steady state on two replicas: 60,000 more such updates, consumed by two processes of
  the service in one consumer group (`replicas.py`), as a 2-core deployment scales it;
  then the backfill again, into a schema and topics of its own, on two replicas; the
  service CPU per event is both processes' together;
- the runtime's consumer loop with a no-op projection on 100,000 usage events, same run;
- p95 of `GET /v1/forecast` and `GET /v1/kpis` (in process, through the ASGI app, so
  HTTP parsing and JSON are included) over a 12-month range, grouped and ungrouped,
  once the steady-state burst has been published and vacuumed (`quiet`);
- CPU per event of the service (this process) and of PostgreSQL during each phase;
- peak RSS of this process (the service runs in it).

Alone: `uv run python -m tests.bench renewals`.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as day_time
from typing import Any

import httpx
from sqlalchemy import func, select

from radar_renewals import main as service
from radar_renewals.settings import RenewalsSettings
from radar_renewals.store.tables import terms
from radar_runtime import (
    Batch,
    ManualClock,
    Routes,
    Runtime,
    RuntimeSettings,
    UnitOfWork,
    build_app,
)
from radar_runtime.auth.roles import Role
from radar_runtime.db import outbox
from radar_runtime.testing.auth import api_token, bearer
from radar_runtime.testing.helpers import eventually
from radar_schemas import (
    AccountUpserted,
    AccountUpsertedEvent,
    ContactChanged,
    ContactChangedEvent,
    Envelope,
    Person,
    RenewalBooked,
    RenewalBookedEvent,
    RenewalOpportunityUpdated,
    RenewalOpportunityUpdatedEvent,
    SubscriptionCancelled,
    SubscriptionCancelledEvent,
    SubscriptionUpserted,
    SubscriptionUpsertedEvent,
)
from radar_schemas.topics import CRM, USAGE, topic_for

from .bench_runtime import runtime_rate
from .common import (
    bootstrap,
    database_url,
    peak_rss_mib,
    postgres_cpu_seconds,
    produce,
    quiet_collector,
    row,
    settle,
    tag,
    usage_events,
)
from .replicas import replicated_rate

ACCOUNTS = 25_000
SUBSCRIPTIONS = 50_000
NOOP_EVENTS = 100_000
STEADY_EVENTS = 60_000
TODAY = date(2026, 3, 1)
QUERY_RUNS = 40
RATE_TARGET = 5_000.0
REPLICAS = 2
P95_TARGET_MS = 200.0


def crm_events(seed: int = 1) -> list[Envelope]:
    rng = random.Random(seed)
    events: list[Envelope] = []
    for a in range(ACCOUNTS):
        events.append(
            AccountUpsertedEvent(
                occurred_at=_at(date(2023, 1, 1)),
                account_id=f"acct-{a}",
                payload=AccountUpserted(
                    name=f"Account {a}",
                    segment=rng.choice(["smb", "mid_market", "enterprise"]),
                    region=rng.choice(["amer", "emea", "apac"]),
                    industry="Software",
                    owner=Person(name=f"CSM {a % 40}", email=f"csm{a % 40}@example.com"),
                ),
            )
        )
    for s in range(SUBSCRIPTIONS):
        account_id, subscription_id = f"acct-{s % ACCOUNTS}", f"sub-{s}"
        end = date(2025, 3, 1) + timedelta(days=rng.randrange(0, 365))
        start = end - timedelta(days=364)
        arr = float(rng.randrange(5, 300) * 1000)
        events.append(
            SubscriptionUpsertedEvent(
                occurred_at=_at(start),
                account_id=account_id,
                payload=SubscriptionUpserted(
                    subscription_id=subscription_id,
                    plan="pro",
                    seats=rng.randrange(5, 500),
                    arr=arr,
                    currency="USD",
                    start_date=start,
                    end_date=end,
                    auto_renew=False,
                ),
            )
        )
        booked = end + timedelta(days=rng.randrange(-60, 20))
        events.append(
            RenewalBookedEvent(
                occurred_at=_at(booked),
                account_id=account_id,
                payload=RenewalBooked(
                    subscription_id=subscription_id,
                    booked_at=booked,
                    new_arr=arr * rng.choice([0.8, 1.0, 1.0, 1.2]),
                    new_end_date=end + timedelta(days=365),
                ),
            )
        )
        next_end = end + timedelta(days=365)
        events.append(
            RenewalOpportunityUpdatedEvent(
                occurred_at=_at(min(TODAY, next_end) - timedelta(days=30)),
                account_id=account_id,
                payload=RenewalOpportunityUpdated(
                    opportunity_id=f"opp-{s}",
                    subscription_id=subscription_id,
                    stage=rng.choice(["Discovery", "Proposal", "Negotiation"]),
                    forecast_category=rng.choice(["pipeline", "best_case", "commit", "omitted"]),
                    close_date=next_end,
                    amount=arr,
                ),
            )
        )
        if s % 10 == 0:
            events.append(
                SubscriptionCancelledEvent(
                    occurred_at=_at(TODAY - timedelta(days=rng.randrange(1, 60))),
                    account_id=account_id,
                    payload=SubscriptionCancelled(
                        subscription_id=subscription_id, effective_date=next_end, reason="budget"
                    ),
                )
            )
    return events


def steady_events(
    count: int, terms_of: dict[str, tuple[date, date]], seed: int = 2
) -> list[Envelope]:
    """Updates to existing subscriptions, as a CRM sends them day to day: opportunity
    edits, champion changes, account edits and seat changes (same term dates)."""
    rng = random.Random(seed)
    events: list[Envelope] = []
    for i in range(count):
        s = rng.randrange(SUBSCRIPTIONS)
        account_id, subscription_id = f"acct-{s % ACCOUNTS}", f"sub-{s}"
        when = datetime(2026, 2, 1, tzinfo=UTC) + timedelta(seconds=i)
        roll = rng.random()
        if roll < 0.6:
            # Reps move the stage, category and amount; the close date stays at the
            # renewal it is for (the open term's end, give or take a few days).
            _, end = terms_of[subscription_id]
            close_date = end + timedelta(days=365 + rng.randrange(-10, 11))
            events.append(
                RenewalOpportunityUpdatedEvent(
                    occurred_at=when,
                    account_id=account_id,
                    payload=RenewalOpportunityUpdated(
                        opportunity_id=f"opp-{s}",
                        subscription_id=subscription_id,
                        stage=rng.choice(["Proposal", "Negotiation", "Verbal Commit"]),
                        forecast_category=rng.choice(["pipeline", "best_case", "commit"]),
                        close_date=close_date,
                        amount=float(rng.randrange(5, 300) * 1000),
                    ),
                )
            )
        elif roll < 0.8:
            events.append(
                ContactChangedEvent(
                    occurred_at=when,
                    account_id=account_id,
                    payload=ContactChanged(
                        contact_id=f"c-{s}", role="champion", change=rng.choice(["joined", "left"])
                    ),
                )
            )
        elif roll < 0.9:
            events.append(
                AccountUpsertedEvent(
                    occurred_at=when,
                    account_id=account_id,
                    payload=AccountUpserted(
                        name=f"Account {s % ACCOUNTS}",
                        segment="enterprise",
                        region="amer",
                        industry="Software",
                        owner=Person(name="CSM 1", email="csm1@example.com"),
                    ),
                )
            )
        else:
            start, end = terms_of[subscription_id]
            events.append(
                SubscriptionUpsertedEvent(
                    occurred_at=when,
                    account_id=account_id,
                    payload=SubscriptionUpserted(
                        subscription_id=subscription_id,
                        plan="pro",
                        seats=rng.randrange(5, 500),
                        arr=float(rng.randrange(5, 300) * 1000),
                        currency="USD",
                        start_date=start,
                        end_date=end,
                        auto_renew=False,
                    ),
                )
            )
    return events


def _at(day: date) -> datetime:
    return datetime.combine(day, day_time(9), tzinfo=UTC)


class Counting:
    """Wraps the first step of the service's routes to time CRM consumption from the
    first batch to the last commit."""

    def __init__(self, report: Callable[[Counting], None] | None = None) -> None:
        self.report = report
        self.expect(0)

    def expect(self, count: int) -> None:
        self.expected = count
        self.applied = 0
        self.first_at = 0.0
        self.last_at = 0.0
        self.cpu_at_first = self.cpu_at_last = (0.0, 0.0)
        self.done = asyncio.Event()

    def around(self, routes: Routes) -> Routes:
        """The same routes, counting each batch they apply."""
        before = routes.before

        async def counted(uow: UnitOfWork, batch: Batch) -> None:
            if not self.first_at:
                self.first_at = time.monotonic()
                self.cpu_at_first = _cpu_seconds()
            if before is not None:
                await before(uow, batch)
            crm = sum(1 for event in batch.events if topic_for(event.type) == CRM)
            uow.after_commit(lambda: self._committed(crm))

        return replace(routes, before=counted)

    def _committed(self, count: int) -> None:
        self.applied += count
        self.last_at = time.monotonic()
        if self.report is not None:
            self.report(self)
        if self.expected and self.applied >= self.expected:
            self.cpu_at_last = _cpu_seconds()
            self.done.set()

    @property
    def rate(self) -> float:
        return self.applied / (self.last_at - self.first_at)

    @property
    def cpu_per_event_us(self) -> tuple[float, float]:
        """CPU of this process (the service; the load is produced beforehand) and of
        PostgreSQL over the same span, per event counted: steadier than the rate on a
        machine whose speed varies."""
        first, last = self.cpu_at_first, self.cpu_at_last
        return (
            1e6 * (last[0] - first[0]) / self.applied,
            1e6 * (last[1] - first[1]) / self.applied,
        )


def _cpu_seconds() -> tuple[float, float]:
    return time.process_time(), postgres_cpu_seconds()


async def p95_ms(http: httpx.AsyncClient, path: str, params: dict[str, str]) -> float:
    # One untimed call first: the first one pays for preparing its statements.
    assert (await http.get(path, params=params)).status_code == 200
    timings = []
    for _ in range(QUERY_RUNS):
        started = time.perf_counter()
        response = await http.get(path, params=params)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text
    return statistics.quantiles(timings, n=20)[-1]


def counted_app(
    settings: RenewalsSettings, expected: int, report: Callable[[Counting], None] | None = None
) -> tuple[Any, Counting]:
    """The service's app as `create_app` builds it, its routes counted."""
    service.raise_gc_threshold(settings.gc_threshold)
    parts = service.bootstrap(settings, ManualClock(_at(TODAY)))
    declared = service.spec(parts)
    assert declared.routes is not None
    counting = Counting(report)
    counting.expect(expected)
    counted = replace(declared, routes=counting.around(declared.routes))
    return build_app(counted, parts.runtime, parts=parts), counting


async def measure() -> list[dict[str, object]]:
    name = tag()
    settings = RenewalsSettings(
        kafka_bootstrap_servers=bootstrap(),
        database_url=database_url(),
        db_schema=f"bench_renewals_{name}",
        topic_prefix=f"br{name}.",
        consumer_group=f"bench-renewals-{name}",
        # Its own token registry: a second run on the same database names "bench" again.
        auth_schema=f"bench_renewals_{name}_auth",
        scheduler_tick_seconds=3600,
    )
    events = crm_events()
    await produce(settings.topic(CRM), events)
    quiet_collector()
    results: list[dict[str, object]] = []
    app, counting = counted_app(settings, len(events))
    async with app.router.lifespan_context(app):
        await asyncio.wait_for(counting.done.wait(), 1800)
        backfill = counting.rate
        backfill_cpu = counting.cpu_per_event_us
    # The steady-state updates are produced while the service is stopped, so producing
    # them does not share the CPU with consuming them; it resumes from its offsets.
    first_terms = {
        e.payload.subscription_id: (e.payload.start_date, e.payload.end_date)
        for e in events
        if isinstance(e, SubscriptionUpsertedEvent)
    }
    updates = steady_events(STEADY_EVENTS, first_terms)
    await produce(settings.topic(CRM), updates)
    await settle(settings.db_schema)
    quiet_collector()
    app, counting = counted_app(settings, len(updates))
    runtime: Runtime = app.state.runtime
    async with app.router.lifespan_context(app):
        await asyncio.wait_for(counting.done.wait(), 1800)
        steady = counting.rate
        steady_cpu = counting.cpu_per_event_us
        assert runtime.db is not None
        async with runtime.db.sessions() as session:
            term_count = await session.scalar(select(func.count()).select_from(terms))
        await quiet(runtime, settings.db_schema)
        admin = await api_token(settings, name="bench", role=Role.ADMIN, now=runtime.clock.now())
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app), base_url="http://bench", headers=bearer(admin)
        ) as http:
            window = {"from": "2025-09-01", "to": "2026-08-31"}
            queries = [
                ("forecast by month", "/v1/forecast", {**window, "period": "month"}),
                (
                    "forecast by quarter and segment",
                    "/v1/forecast",
                    {**window, "period": "quarter", "by": "segment"},
                ),
                (
                    "forecast by month and owner",
                    "/v1/forecast",
                    {**window, "period": "month", "by": "owner"},
                ),
                ("kpis", "/v1/kpis", window),
                ("kpis by region", "/v1/kpis", {**window, "by": "region"}),
            ]
            latencies = [
                (label, await p95_ms(http, path, params)) for label, path, params in queries
            ]
    # The same kind of updates again, consumed by two replica processes (one per core of
    # the 2-core target machine), each re-deriving the accounts its partitions carry.
    more = steady_events(STEADY_EVENTS, first_terms, seed=3)
    await produce(settings.topic(CRM), more)
    await settle(settings.db_schema)
    group = await asyncio.to_thread(replicated_rate, settings, len(more), REPLICAS)
    del events, updates, more
    # And a backfill of its own (new schema, topics and group) on two replicas.
    fresh = settings.model_copy(
        update={
            "db_schema": f"{settings.db_schema}_r",
            "topic_prefix": f"{settings.topic_prefix}r.",
            "consumer_group": f"{settings.consumer_group}-r",
        }
    )
    events = crm_events()
    await produce(fresh.topic(CRM), events)
    group_backfill = await asyncio.to_thread(replicated_rate, fresh, len(events), REPLICAS)
    del events
    noop = await noop_rate(name)
    results.append(
        row(
            "renewals: subscription terms projected",
            float(term_count or 0),
            "terms",
            ">= 100,000",
            (term_count or 0) >= 100_000,
        )
    )
    replicated = f"steady-state updates, {REPLICAS} replicas"
    for label, rate, (service_cpu, database_cpu) in (
        ("backfill, new subscriptions", backfill, backfill_cpu),
        ("steady-state updates", steady, steady_cpu),
        (
            f"backfill, new subscriptions, {REPLICAS} replicas",
            group_backfill.events_per_second,
            (group_backfill.service_cpu_us, group_backfill.database_cpu_us),
        ),
        (replicated, group.events_per_second, (group.service_cpu_us, group.database_cpu_us)),
    ):
        results.append(
            row(
                f"renewals: CRM events consumed, {label}",
                rate,
                "events/s",
                ">= 5,000",
                rate >= RATE_TARGET,
            )
        )
        results.append(row(f"renewals: {label} / no-op loop", 100 * rate / noop, "%", "reference"))
        results.append(row(f"renewals:   {label}, service CPU per event", service_cpu, "us"))
        results.append(row(f"renewals:   {label}, PostgreSQL CPU per event", database_cpu, "us"))
    results.append(
        row(
            f"renewals:   {REPLICAS}-replica phases, fewest replicas that applied events",
            float(min(group.replicas_applying, group_backfill.replicas_applying)),
            "replicas",
            f"= {REPLICAS}",
            min(group.replicas_applying, group_backfill.replicas_applying) == REPLICAS,
        )
    )
    results.append(row("renewals: runtime no-op loop (same run)", noop, "events/s", "reference"))
    for label, value in latencies:
        results.append(
            row(f"renewals: p95 {label}", value, "ms", "<= 200 ms", value <= P95_TARGET_MS)
        )
    results.append(row("renewals: peak RSS (service + load, one process)", peak_rss_mib(), "MiB"))
    return results


async def quiet(runtime: Runtime, schema: str) -> None:
    """Let the burst's aftermath pass before timing queries: the relay publishing the
    last state changes, and the vacuum of the burst's dead rows (run now rather than by
    autovacuum in the middle of the timings). The queries are then timed against the
    settled table, as a dashboard opened in a quiet moment sees it."""
    db = runtime.db
    assert db is not None
    pending = select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))

    async def drained() -> bool:
        async with db.sessions() as session:
            return not await session.scalar(pending)

    await eventually(drained, timeout=300, what="the outbox to drain")
    await settle(schema)


async def noop_rate(name: str) -> float:
    settings = RuntimeSettings(
        kafka_bootstrap_servers=bootstrap(),
        database_url=database_url(),
        service_name=f"bench_noop_{name}",
        db_schema=f"bench_noop_{name}",
        topic_prefix=f"bn{name}.",
    )
    await produce(settings.topic(USAGE), usage_events(NOOP_EVENTS))
    return await runtime_rate(settings, NOOP_EVENTS)


def run() -> list[dict[str, object]]:
    return asyncio.run(measure())


if __name__ == "__main__":
    from .servers import bench_servers

    with bench_servers():
        for result in run():
            print(result)
