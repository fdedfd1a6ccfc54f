"""The consumer loop with a no-op projection (one bulk upsert per batch) against raw
aiokafka consumption of the same records from the same broker, in one run."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from aiokafka import AIOKafkaConsumer
from sqlalchemy import Column, Integer, MetaData, Table, Text
from sqlalchemy.dialects.postgresql import insert

from radar_runtime import Runtime, RuntimeSettings, ServiceSpec, UnitOfWork, routes
from radar_runtime.migrations import Migrations
from radar_runtime.testing.helpers import eventually
from radar_schemas.codec import decode
from radar_schemas.envelope import Envelope
from radar_schemas.topics import USAGE

from .common import bootstrap, database_url, peak_rss_mib, produce, row, tag, usage_events

EVENTS = 200_000

noop_metadata = MetaData()
touched = Table(
    "touched",
    noop_metadata,
    Column("account_id", Text, primary_key=True),
    Column("events", Integer, nullable=False),
)
noop_migrations = Migrations("noop", Path(__file__).with_name("noop_migrations"), noop_metadata)


class NoopProjection:
    """Counts events per account with one bulk upsert per batch."""

    def __init__(self, expected: int) -> None:
        self.applied = 0
        self.expected = expected
        self.first_at = 0.0
        self.done = asyncio.Event()

    async def __call__(self, uow: UnitOfWork, events: Sequence[Envelope]) -> None:
        if not self.first_at:
            self.first_at = time.monotonic()
        counts: dict[str, int] = {}
        for event in events:
            counts[event.account_id] = counts.get(event.account_id, 0) + 1
        statement = insert(touched).values(
            [{"account_id": a, "events": n} for a, n in counts.items()]
        )
        await uow.session.execute(
            statement.on_conflict_do_update(
                index_elements=[touched.c.account_id],
                set_={"events": touched.c.events + statement.excluded.events},
            )
        )
        self.applied += len(events)
        if self.applied >= self.expected:
            self.done.set()


async def raw_consume_rate(topic: str, expected: int, *, decode_each: bool = False) -> float:
    """aiokafka alone; with `decode_each`, plus validating every record against the contract."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap(),
        group_id=f"raw-{tag()}",
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_partition_fetch_bytes=4 * 1024 * 1024,
        fetch_max_bytes=32 * 1024 * 1024,
    )
    await consumer.start()
    try:
        seen, first_at = 0, 0.0
        while seen < expected:
            batch = await consumer.getmany(timeout_ms=500, max_records=500)
            if batch and not first_at:
                first_at = time.monotonic()
            for records in batch.values():
                seen += len(records)
                if decode_each:
                    for record in records:
                        decode(record.value)
        return seen / (time.monotonic() - first_at)
    finally:
        await consumer.stop()


async def runtime_rate(settings: RuntimeSettings, expected: int) -> float:
    projection = NoopProjection(expected)
    spec = ServiceSpec(
        name=settings.service_name,
        migrations=noop_migrations,
        routes=routes(("usage.recorded", projection)),
    )
    runtime = Runtime(settings)
    await runtime.start(spec)
    try:
        await asyncio.wait_for(projection.done.wait(), 600)
        return projection.applied / (time.monotonic() - projection.first_at)
    finally:
        await runtime.stop()


class PoisonProjection(NoopProjection):
    """Rejects accounts named poison-*, as a projection rejects data it cannot apply
    (a domain error); notes when each other event was applied."""

    def __init__(self) -> None:
        super().__init__(expected=0)
        self.applied_at: dict[str, float] = {}
        self.good_applied = asyncio.Event()

    async def __call__(self, uow: UnitOfWork, events: Sequence[Envelope]) -> None:
        if any(e.account_id.startswith("poison-") for e in events):
            raise ValueError("cannot apply this account's data")
        await super().__call__(uow, events)
        for event in events:
            self.applied_at[event.account_id] = time.monotonic()
        self.good_applied.set()


async def poison_delay(settings: RuntimeSettings, poison: int) -> float:
    """Seconds from publishing an unrelated event, right behind `poison` records the
    projection rejects, to its being applied."""
    projection = PoisonProjection()
    spec = ServiceSpec(
        name=settings.service_name,
        migrations=noop_migrations,
        routes=routes(("usage.recorded", projection)),
    )
    runtime = Runtime(settings)
    await runtime.start(spec)
    try:
        await runtime.wait_started()
        await eventually(_assigned(runtime), what="partitions assigned")
        topic = settings.topic(USAGE)
        bad = [
            event.model_copy(update={"account_id": f"poison-{i}"})
            for i, event in enumerate(usage_events(poison))
        ]
        await produce(topic, bad)
        sent = time.monotonic()
        await produce(topic, usage_events(1, accounts=1))
        await asyncio.wait_for(projection.good_applied.wait(), 600)
        return projection.applied_at["acct-0"] - sent
    finally:
        await runtime.stop()


def _assigned(runtime: Runtime) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return runtime.consumer is not None and runtime.consumer.ready

    return check


def _isolated(settings: RuntimeSettings) -> RuntimeSettings:
    name = tag()
    return settings.model_copy(
        update={
            "service_name": f"bench_{name}",
            "db_schema": f"bench_{name}",
            "topic_prefix": f"b{name}.",
        }
    )


async def measure() -> list[dict[str, object]]:
    name = tag()
    settings = RuntimeSettings(
        kafka_bootstrap_servers=bootstrap(),
        database_url=database_url(),
        service_name=f"bench_{name}",
        db_schema=f"bench_{name}",
        topic_prefix=f"b{name}.",
    )
    topic = settings.topic(USAGE)
    await produce(topic, usage_events(EVENTS))
    raw = await raw_consume_rate(topic, EVENTS)
    raw_decoded = await raw_consume_rate(topic, EVENTS, decode_each=True)
    loop = await runtime_rate(settings, EVENTS)
    ratio = 100 * loop / raw
    alone = await poison_delay(_isolated(settings), 0)
    behind_poison = await poison_delay(_isolated(settings), 100)
    delay = behind_poison - alone
    return [
        row("runtime: raw aiokafka consume", raw, "events/s", "reference"),
        row("runtime: raw consume + contract decode", raw_decoded, "events/s", "reference"),
        row(
            "runtime: consumer loop, no-op projection",
            loop,
            "events/s",
            ">= 10,000",
            loop >= 10_000,
        ),
        row("runtime: loop / raw", ratio, "%", ">= 50 %", ratio >= 50),
        row("runtime: loop / (raw + decode)", 100 * loop / raw_decoded, "%", "reference"),
        row("runtime: an unrelated event, applied after", alone, "s", "reference"),
        row("runtime: the same behind 100 poison records", behind_poison, "s", "reference"),
        row("runtime: delay caused by 100 poison records", delay, "s", "<= 1 s", delay <= 1),
        row("runtime: peak RSS (bench process)", peak_rss_mib(), "MiB"),
    ]


def run() -> list[dict[str, object]]:
    return asyncio.run(measure())


if __name__ == "__main__":
    from .servers import bench_servers

    with bench_servers():
        for r in run():
            print(r)
