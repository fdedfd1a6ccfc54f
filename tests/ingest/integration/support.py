"""Running ingest against the real broker: in-process, or over real HTTP in a thread."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from aiokafka import AIOKafkaConsumer, ConsumerRecord
from fastapi import FastAPI

from radar_ingest.main import create_app
from radar_ingest.settings import IngestSettings
from radar_runtime import Clock
from radar_runtime.local.kafka import free_port
from radar_runtime.testing.fixtures import unique_name
from radar_schemas import Envelope, codec

from ..keys import SIGNING_SECRET, SIGNING_SECRET_ENV, api_keys_json


def ingest_settings(bootstrap: str, **overrides: Any) -> IngestSettings:
    """Settings isolated by a topic prefix no other test uses."""
    values: dict[str, Any] = {
        "kafka_bootstrap_servers": bootstrap,
        "topic_prefix": f"{unique_name('ingest')}.",
        "raw_topic_partitions": 3,
        "api_keys": api_keys_json(),
    }
    values.update(overrides)
    return IngestSettings(**values)


def make_app(settings: IngestSettings, clock: Clock | None = None) -> FastAPI:
    # The signed key names this variable; the service reads secrets only from the environment.
    os.environ[SIGNING_SECRET_ENV] = SIGNING_SECRET
    return create_app(settings, clock=clock)


@dataclass
class Ingest:
    app: FastAPI
    client: httpx.AsyncClient
    settings: IngestSettings

    def topic(self, logical: str) -> str:
        return self.settings.topic(logical)


@asynccontextmanager
async def running(settings: IngestSettings, clock: Clock | None = None) -> AsyncIterator[Ingest]:
    """The app in this event loop, its lifespan run, the broker connected."""
    app = make_app(settings, clock)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://ingest") as client,
    ):
        await app.state.runtime.wait_started()
        yield Ingest(app, client, settings)


@contextmanager
def served(app: FastAPI, *, started_timeout: float = 60) -> Iterator[str]:
    """The app behind a real uvicorn on a free loopback port, in its own thread and loop,
    for clients that need a socket (Segment's SDK, schemathesis). Yields the base URL."""
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=None, access_log=False, lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + started_timeout
    runtime = app.state.runtime
    while not (server.started and runtime.started.is_set()):
        if not thread.is_alive():
            raise RuntimeError("uvicorn stopped during start-up")
        if time.monotonic() > deadline:
            raise TimeoutError("ingest did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


async def records_by_id(
    bootstrap: str, topic: str, event_ids: Iterable[str], *, within: float = 30
) -> dict[str, ConsumerRecord[bytes, bytes]]:
    """The records on `topic` carrying these event ids; returns when all are found or at
    the deadline (the caller asserts on what is missing)."""
    wanted = set(event_ids)
    found: dict[str, ConsumerRecord[bytes, bytes]] = {}
    # No group: the consumer reads every partition from the beginning, commits nothing.
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        deadline = time.monotonic() + within
        while not wanted <= found.keys() and time.monotonic() < deadline:
            batches = await consumer.getmany(timeout_ms=300, max_records=5000)
            for records in batches.values():
                for record in records:
                    event_id = str(codec.decode(record.value).event_id)  # type: ignore[arg-type]
                    if event_id in wanted:
                        found[event_id] = record
    finally:
        await consumer.stop()
    return found


def envelope(record: ConsumerRecord[bytes, bytes]) -> Envelope:
    assert record.value is not None
    return codec.decode(record.value)  # type: ignore[return-value]
