"""Helpers every service's integration tests share: isolated settings, publish,
read a topic, and wait for a condition with a deadline instead of sleeping."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import ConsumerRecord

from radar_runtime.settings import RuntimeSettings
from radar_schemas.codec import encode
from radar_schemas.envelope import Envelope
from radar_schemas.topics import topic_for

S = TypeVar("S", bound=RuntimeSettings)


def isolated_settings(
    settings_class: type[S], kafka_bootstrap: str, database_url: str, **overrides: Any
) -> S:
    """Settings with a schema, topic prefix and consumer group of their own, tuned for tests."""
    tag = uuid.uuid4().hex[:10]
    values: dict[str, Any] = {
        "kafka_bootstrap_servers": kafka_bootstrap,
        "database_url": database_url,
        "db_schema": f"t_{tag}",
        "topic_prefix": f"t{tag}.",
        "consumer_group": f"t-{tag}",
        # API tokens made by a test are seen by that test's services only.
        "auth_schema": f"a_{tag}",
        "batch_timeout_ms": 50,
        "retry_backoff_seconds": 0.02,
        "outbox_poll_seconds": 0.2,
    }
    values.update(overrides)
    return settings_class(**values)


async def publish(
    bootstrap: str,
    settings: RuntimeSettings,
    events: Sequence[Envelope],
    *,
    raw: Sequence[tuple[str, str, bytes]] = (),
) -> None:
    """Produce events to their topics keyed by account, then raw (logical topic, key, bytes)
    records; returns once every record is acknowledged."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        sends = [
            await producer.send(
                settings.topic(topic_for(e.type)), encode(e), key=e.account_id.encode()
            )
            for e in events
        ]
        sends += [await producer.send(settings.topic(t), v, key=k.encode()) for t, k, v in raw]
        await asyncio.gather(*sends)
    finally:
        await producer.stop()


async def consume_all(
    bootstrap: str, topic: str, *, expect: int, timeout: float = 30
) -> list[ConsumerRecord[bytes, bytes]]:
    """Read a topic from the beginning until `expect` records arrived or the time is up."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    records: list[ConsumerRecord[bytes, bytes]] = []
    try:
        deadline = time.monotonic() + timeout
        while len(records) < expect and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=200)
            for partition_records in batch.values():
                records.extend(partition_records)
    finally:
        await consumer.stop()
    return records


async def eventually(
    check: Callable[[], Awaitable[Any]], *, timeout: float = 60, what: str = "condition"
) -> Any:
    """Poll an async check until it returns a truthy value; fail with `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}; last result: {result!r}")
        await asyncio.sleep(0.1)


# Headless Chromium as tests run it: no sandbox (root in CI), nothing fetched from
# elsewhere (this machine's network is closed), a fresh profile per run (--user-data-dir).
HEADLESS_CHROMIUM = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
