"""Shared by the benchmarks: servers from the environment, pre-produced events, RSS
and CPU readings, the collector and database settling between phases."""

from __future__ import annotations

import asyncio
import gc
import os
import resource
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiokafka import AIOKafkaProducer

from radar_runtime.db import Database
from radar_runtime.kafka import ensure_topics
from radar_schemas.codec import encode
from radar_schemas.envelope import Envelope
from radar_schemas.usage import UsageRecorded, UsageRecordedEvent


def bootstrap() -> str:
    return os.environ["RADAR_TEST_KAFKA_BOOTSTRAP"]


def database_url() -> str:
    return os.environ["RADAR_TEST_DATABASE_URL"]


def tag() -> str:
    return uuid.uuid4().hex[:8]


def usage_events(count: int, *, accounts: int = 1000, days: int = 30) -> list[UsageRecordedEvent]:
    start = datetime.now(UTC) - timedelta(days=days)
    return [
        UsageRecordedEvent(
            account_id=f"acct-{i % accounts}",
            occurred_at=start + timedelta(seconds=(i * 7919) % (days * 86400)),
            payload=UsageRecorded(metric="logins", quantity=1 + i % 5, user_id=f"u{i % 50}"),
        )
        for i in range(count)
    ]


async def produce(topic: str, events: Sequence[Envelope], *, partitions: int = 12) -> None:
    await ensure_topics(bootstrap(), {topic: partitions})
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap(),
        enable_idempotence=True,
        acks="all",
        linger_ms=20,
        max_batch_size=512 * 1024,
        compression_type="lz4",
    )
    await producer.start()
    try:
        for start in range(0, len(events), 5000):
            chunk = events[start : start + 5000]
            sends = [
                await producer.send(topic, encode(e), key=e.account_id.encode()) for e in chunk
            ]
            await asyncio.gather(*sends)
    finally:
        await producer.stop()


def peak_rss_mib() -> float:
    """Peak resident memory of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds() -> float:
    """CPU time so far of every running PostgreSQL process on this machine (backends
    that already exited are not counted)."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "postgres":
                    total += process_cpu_seconds(int(entry.name))
            except OSError:
                continue  # exited while we looked
    return total


def row(
    name: str, value: float, unit: str, target: str = "", ok: bool | None = None
) -> dict[str, object]:
    return {"name": name, "value": round(value, 2), "unit": unit, "target": target, "ok": ok}


def quiet_collector() -> None:
    """Keep the load generator's objects out of the service's garbage collections: the
    service runs in this process, and a full collection over hundreds of thousands of
    pre-built events would pause it for hundreds of ms, charged to the service."""
    gc.collect()
    gc.freeze()


async def settle(schema: str) -> None:
    """VACUUM (ANALYZE) a service's tables, as one does after a bulk load, so a phase
    measured after a backfill does not also pay for the backfill's dead rows and
    statistics (autovacuum would do it within minutes, in the middle of that phase)."""
    db = Database(database_url(), schema, pool_size=1)
    try:
        async with db.engine.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            tables = (
                await conn.exec_driver_sql(
                    "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                )
            ).scalars()
            await conn.exec_driver_sql(f"VACUUM (ANALYZE) {', '.join(tables)}")
    finally:
        await db.dispose()
