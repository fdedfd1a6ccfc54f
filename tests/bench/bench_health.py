"""Health service: usage consumption into the projection beside the runtime's no-op
consumer on the same broker and database, and the scheduled recompute of 100,000 accounts.

- Usage: 200,000 `usage.recorded` events (1,000 accounts, 30 days, 50 users) consumed
  by the real service (projectors, usage worker, outbox relay all running) against the
  runtime's no-op projection consuming the same events in the same run.
- Recompute: 100,000 accounts seeded in the database (60 days of daily usage, users,
  tickets, NPS, contacts, subscriptions), then the scheduled recompute run twice: the
  first pass scores and announces every account (100,000 health.scored through the
  outbox), the second is an ordinary next day.
- History by event time: 500 accounts with a year of logged history (usage and users
  every day, a profile, a subscription, contacts, an engagement a fortnight, tickets)
  queued for replay, then replayed by the usage worker: a point and a health.scored at
  the close of every day, the rules judged at each. The cost of a point is set beside
  the cost of one account in the scheduled recompute, measured in the same run.

Alone: `uv run python -m tests.bench health` (also writes bench-results.json), or
`uv run python -m tests.bench.bench_health` (prints the rows only).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from radar_health.main import create_app
from radar_health.settings import HealthSettings
from radar_health.work.scheduled_recompute import RECOMPUTE_JOB, RecomputeAll
from radar_runtime import Runtime, RuntimeSettings
from radar_runtime.metrics import EVENTS_CONSUMED
from radar_schemas.topics import USAGE
from radar_schemas.usage import UsageRecorded, UsageRecordedEvent

from .bench_runtime import runtime_rate
from .common import bootstrap, database_url, peak_rss_mib, produce, row, tag

EVENTS = 200_000
ACCOUNTS = 100_000


def health_settings(**overrides: object) -> HealthSettings:
    name = tag()
    values: dict[str, object] = {
        "kafka_bootstrap_servers": bootstrap(),
        "database_url": database_url(),
        "service_name": f"health_{name}",  # its own metric series
        "db_schema": f"bench_health_{name}",
        "topic_prefix": f"bh{name}.",
    }
    values.update(overrides)
    return HealthSettings(**values)


def usage_chunks(count: int, size: int = 20_000) -> Iterator[list[UsageRecordedEvent]]:
    """`common.usage_events(count)` made a chunk at a time, so the events held by this
    process do not inflate the peak RSS reported for the service."""
    start = datetime.now(UTC) - timedelta(days=30)
    for first in range(0, count, size):
        yield [
            UsageRecordedEvent(
                account_id=f"acct-{i % 1000}",
                occurred_at=start + timedelta(seconds=(i * 7919) % (30 * 86400)),
                payload=UsageRecorded(metric="logins", quantity=1 + i % 5, user_id=f"u{i % 50}"),
            )
            for i in range(first, min(first + size, count))
        ]


async def health_usage_rate(settings: HealthSettings, expected: int) -> tuple[float, float]:
    """Events/s from the first applied event to the last; then seconds to drain the queue."""
    app = create_app(settings)
    applied = EVENTS_CONSUMED.labels(settings.service_name, USAGE, "applied")
    async with app.router.lifespan_context(app):
        first_at = 0.0
        while applied._value.get() < expected:
            if not first_at and applied._value.get() > 0:
                first_at = time.monotonic()
            await asyncio.sleep(0.02)
        rate = expected / (time.monotonic() - first_at)
        drained_from = time.monotonic()
        db = app.state.runtime.db
        while True:
            async with db.sessions() as session:
                if not await session.scalar(text("SELECT count(*) FROM recompute_queue")):
                    break
            await asyncio.sleep(0.2)
        return rate, time.monotonic() - drained_from


async def measure_usage() -> list[dict[str, object]]:
    health = health_settings()
    noop_name = tag()
    noop = RuntimeSettings(
        kafka_bootstrap_servers=bootstrap(),
        database_url=database_url(),
        service_name=f"bench_{noop_name}",
        db_schema=f"bench_{noop_name}",
        topic_prefix=f"b{noop_name}.",
    )
    for events in usage_chunks(EVENTS):
        await produce(health.topic(USAGE), events)
        await produce(noop.topic(USAGE), events)
    loop = await runtime_rate(noop, EVENTS)
    rate, drain = await health_usage_rate(health, EVENTS)
    ratio = 100 * rate / loop
    return [
        row("health: runtime no-op consumer (same events)", loop, "events/s", "reference"),
        row(
            "health: usage events into the projection",
            rate,
            "events/s",
            ">= 10,000",
            rate >= 10_000,
        ),
        row("health: usage rate / no-op rate", ratio, "%", ">= 50 %", ratio >= 50),
        row(
            "health: usage worker drained after the last event",
            drain,
            "s",
            f"<= {health.usage_recompute_seconds:g} s interval + a pass",
        ),
    ]


# 100,000 accounts with every kind of fact: 10 % had a usage drop last week, a third have
# an open ticket, half answered NPS (30 % of them detractors), 4 % lost their champion,
# engagement from 0 to 59 days ago.
_SEED = [
    """
    INSERT INTO accounts (account_id, name, segment, region, industry, owner, owner_email,
        manager, version_at, version_id, first_seen_at, last_engagement_at, tickets_seen)
    SELECT 'acct-' || i, 'Account ' || i, (ARRAY['smb','mid_market','enterprise'])[1 + i % 3],
        (ARRAY['amer','emea','apac'])[1 + i % 3], 'software',
        jsonb_build_object('name', 'CSM ' || i % 50, 'email', 'csm' || i % 50 || '@example.com'),
        'csm' || i % 50 || '@example.com', NULL, :now - interval '400 days', gen_random_uuid(),
        :now - interval '400 days', :now - make_interval(days => i % 60), i % 3 = 0
    FROM generate_series(1, :n) AS i
    """,
    """
    INSERT INTO subscriptions (subscription_id, account_id, seats, seats_version_at,
        seats_version_id, arr, end_date, term_version_at, term_version_id)
    SELECT 'sub-' || i, 'acct-' || i, 10 + i % 90, :now - interval '300 days', gen_random_uuid(),
        10000 + i % 90 * 1000, CAST(:now AS date) + i % 365, :now - interval '300 days',
        gen_random_uuid()
    FROM generate_series(1, :n) AS i
    """,
    """
    INSERT INTO usage_daily (account_id, metric, day, total)
    SELECT 'acct-' || i, 'logins', CAST(:now AS date) - d,
        CASE WHEN i % 10 = 0 AND d <= 8 THEN 5 ELSE 40 + (i + d) % 3 END
    FROM generate_series(1, :n) AS i, generate_series(0, 60) AS d
    """,
    """
    INSERT INTO account_users (account_id, user_id, last_seen)
    SELECT 'acct-' || i, 'u-' || u, CAST(:now AS date) - (i + u) % 45
    FROM generate_series(1, :n) AS i, generate_series(1, 10) AS u
    """,
    """
    INSERT INTO tickets (account_id, ticket_id, priority, status, escalated, is_open, opened_at,
        version_at, version_id)
    SELECT 'acct-' || i, 'T-' || i, (ARRAY['low','normal','high','urgent'])[1 + i % 4], 'open',
        i % 30 = 0, true, :now - interval '3 days', :now - interval '2 days', gen_random_uuid()
    FROM generate_series(3, :n, 3) AS i
    """,
    """
    INSERT INTO nps_responses (event_id, account_id, contact_id, score, at)
    SELECT gen_random_uuid(), 'acct-' || i, 'c-' || i,
        (ARRAY[10, 9, 9, 8, 8, 7, 7, 6, 5, 3])[1 + i % 10], :now - make_interval(days => i % 170)
    FROM generate_series(2, :n, 2) AS i
    """,
    """
    INSERT INTO contacts (account_id, contact_id, role, present, version_at, version_id)
    SELECT 'acct-' || i, 'c-' || i || '-' || r, r, NOT (r = 'champion' AND i % 25 = 0),
        :now - interval '200 days', gen_random_uuid()
    FROM generate_series(1, :n) AS i, unnest(ARRAY['champion', 'exec_sponsor']) AS r
    """,
    "ANALYZE",
]


async def _first_scheduled_run_done(runtime: Runtime) -> None:
    """The scheduler runs the recompute once at start; let it finish on the empty schema."""
    while True:
        async with runtime.db.sessions() as session:
            done = await session.scalar(
                text("SELECT count(*) FROM scheduled_jobs WHERE name = :job"),
                {"job": RECOMPUTE_JOB},
            )
        if done:
            return
        await asyncio.sleep(0.1)


async def seed(settings: HealthSettings, now: datetime) -> float:
    started = time.monotonic()
    app = create_app(settings.model_copy(update={"usage_recompute_seconds": 3600.0}))
    runtime = app.state.runtime
    async with app.router.lifespan_context(app):
        await runtime.wait_started()
        await _first_scheduled_run_done(runtime)
        async with runtime.db.sessions() as session, session.begin():
            for statement in _SEED:
                typed = statement.replace(":now", "CAST(:now AS timestamptz)")
                await session.execute(text(typed), {"now": now, "n": ACCOUNTS})
            # The first scheduled run happened at start on an empty schema; measure by hand.
            await session.execute(
                text("UPDATE scheduled_jobs SET last_run_at = :now WHERE name = :job"),
                {"now": now + timedelta(days=365), "job": RECOMPUTE_JOB},
            )
    return time.monotonic() - started


async def measure_recompute() -> list[dict[str, object]]:
    settings = health_settings(usage_recompute_seconds=3600.0)
    now = datetime.now(UTC)
    seeded = await seed(settings, now)
    app = create_app(settings)
    runtime = app.state.runtime
    async with app.router.lifespan_context(app):
        await runtime.wait_started()
        recompute_all: RecomputeAll = app.state.parts.recompute_all
        first = await recompute_all(now)
        second = await recompute_all(now + timedelta(days=1))
        async with runtime.db.sessions() as session:
            history = await session.scalar(text("SELECT count(*) FROM score_history"))
    return [
        row("health: seed 100,000 accounts (setup, not a figure)", seeded, "s"),
        row(
            f"health: recompute {first.accounts:,} accounts, first pass",
            first.seconds,
            "s",
            "<= 60 s",
            first.seconds <= 60 and first.accounts == ACCOUNTS,
        ),
        row("health:   health.scored emitted (first pass)", first.scored_events, "events"),
        row("health:   alerts raised (first pass)", first.alerts_raised, "alerts"),
        row(
            f"health: recompute {second.accounts:,} accounts, next day",
            second.seconds,
            "s",
            "<= 60 s",
            second.seconds <= 60 and second.accounts == ACCOUNTS,
        ),
        row("health:   health.scored emitted (next day)", second.scored_events, "events"),
        row(
            "health:   history points after two passes",
            float(history or 0),
            "rows",
            f"= {2 * ACCOUNTS:,}",
            history == 2 * ACCOUNTS,
        ),
    ]


REPLAYED_ACCOUNTS = 500
REPLAYED_DAYS = 365

# A year of history per account, as a first load leaves it once settled.
_HISTORY = [
    """
    INSERT INTO accounts (account_id, name, segment, region, industry, owner, owner_email,
        first_seen_at, last_engagement_at, tickets_seen)
    SELECT 'hist-' || i, 'Account ' || i, (ARRAY['smb','mid_market','enterprise'])[1 + i % 3],
        'emea', 'software', jsonb_build_object('name', 'CSM', 'email', 'csm@example.com'),
        'csm@example.com', :now - make_interval(days => :days), :now - interval '3 days',
        true
    FROM generate_series(1, :n) AS i
    """,
    """
    INSERT INTO account_events (account_id, occurred_at, event_id, type, payload)
    SELECT 'hist-' || i, :now - make_interval(days => :days), gen_random_uuid(), kind, payload
    FROM generate_series(1, :n) AS i, LATERAL (VALUES
        ('account.upserted', jsonb_build_object('name', 'Account ' || i, 'segment',
            (ARRAY['smb','mid_market','enterprise'])[1 + i % 3], 'region', 'emea')),
        ('subscription.upserted', jsonb_build_object('subscription_id', 'hs-' || i,
            'seats', 20, 'currency', 'EUR', 'arr', 50000.0,
            'end_date', CAST(CAST(:now AS date) + 100 + i % 200 AS text))),
        ('contact.changed', jsonb_build_object('contact_id', 'c-' || i, 'role', 'champion',
            'change', 'joined', 'name', 'Champion ' || i))
    ) AS e(kind, payload)
    """,
    """
    INSERT INTO account_events (account_id, occurred_at, event_id, type, payload)
    SELECT 'hist-' || i, :now - make_interval(days => d), gen_random_uuid(),
        'engagement.logged', jsonb_build_object('kind', 'call')
    FROM generate_series(1, :n) AS i, generate_series(3, :days, 14) AS d
    """,
    """
    INSERT INTO account_events (account_id, occurred_at, event_id, type, payload)
    SELECT 'hist-' || i, :now - make_interval(days => d + k), gen_random_uuid(), kind,
        jsonb_build_object('ticket_id', 'T-' || d, 'priority', 'urgent', 'escalated', false)
    FROM generate_series(1, :n) AS i, generate_series(10, :days, 60) AS d,
        LATERAL (VALUES ('ticket.opened', 5), ('ticket.closed', 0)) AS t(kind, k)
    """,
    """
    INSERT INTO usage_daily (account_id, metric, day, total)
    SELECT 'hist-' || i, 'logins', CAST(:now AS date) - d,
        CASE WHEN i % 10 = 0 AND d BETWEEN 100 AND 110 THEN 2 ELSE 40 + (i + d) % 7 END
    FROM generate_series(1, :n) AS i, generate_series(1, :days) AS d
    """,
    """
    INSERT INTO usage_users_daily (account_id, day, users)
    SELECT 'hist-' || i, CAST(:now AS date) - d,
        ARRAY(SELECT 'u-' || u FROM generate_series(1 + d % 5, 10 + d % 5) AS u ORDER BY 1)
    FROM generate_series(1, :n) AS i, generate_series(1, :days) AS d
    """,
    """
    INSERT INTO history_queue (account_id, from_day)
    SELECT 'hist-' || i, CAST(:now AS date) - CAST(:days AS integer)
    FROM generate_series(1, :n) AS i
    """,
    "ANALYZE",
]


async def measure_replay(recompute_seconds_per_account: float) -> list[dict[str, object]]:
    settings = health_settings(usage_recompute_seconds=3600.0)
    now = datetime.now(UTC)
    app = create_app(settings)
    runtime = app.state.runtime
    async with app.router.lifespan_context(app):
        await runtime.wait_started()
        async with runtime.db.sessions() as session, session.begin():
            for statement in _HISTORY:
                typed = statement.replace(":now", "CAST(:now AS timestamptz)")
                await session.execute(
                    text(typed), {"now": now, "n": REPLAYED_ACCOUNTS, "days": REPLAYED_DAYS}
                )
        started = time.monotonic()
        replayed = await app.state.parts.usage_worker.run_once()
        seconds = time.monotonic() - started
        async with runtime.db.sessions() as session:
            points = await session.scalar(text("SELECT count(*) FROM score_history"))
    points = int(points or 0)
    per_point = seconds / max(points, 1)
    ratio = per_point / recompute_seconds_per_account
    return [
        row(
            f"health: replay a year of history, {replayed:,} accounts",
            seconds,
            "s",
            "reference",
        ),
        row(
            "health:   history points written (a close a day and the live one, each announced)",
            points,
            "rows",
            f"= {REPLAYED_ACCOUNTS * (REPLAYED_DAYS + 1):,}",
            points == REPLAYED_ACCOUNTS * (REPLAYED_DAYS + 1),
        ),
        row("health:   cost of one history point", per_point * 1e6, "µs", "reference"),
        row(
            "health:   one point / one account of the scheduled recompute (same run)",
            ratio,
            "×",
            "reference",
        ),
    ]


async def measure() -> list[dict[str, object]]:
    rows = await measure_usage()
    recompute = await measure_recompute()
    rows += recompute
    first_pass = next(r for r in recompute if "first pass" in str(r["name"]))
    rows += await measure_replay(float(first_pass["value"]) / ACCOUNTS)
    rows.append(row("health: peak RSS (service in the bench process)", peak_rss_mib(), "MiB"))
    return rows


def run() -> list[dict[str, object]]:
    return asyncio.run(measure())


if __name__ == "__main__":
    # Alone, printing rows without touching bench-results.json (the runner writes that).
    from .servers import bench_servers

    with bench_servers():
        for result in run():
            print(result)
