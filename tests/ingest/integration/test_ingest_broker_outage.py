"""A broker stopped under load: 503 within the bound, never a 202 for a lost event."""

from __future__ import annotations

import asyncio
import copy
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiokafka import TopicPartition
from aiokafka.partitioner import DefaultPartitioner

from radar_runtime.local.kafka import KafkaBroker
from radar_schemas.examples import EXAMPLES
from radar_schemas.topics import USAGE

from ..keys import ANALYTICS_KEY, bearer
from .support import Ingest, ingest_settings, records_by_id, running

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(240)]

PUBLISH_TIMEOUT = 2.0


def usage(n: int) -> dict[str, Any]:
    event = copy.deepcopy(EXAMPLES["usage.recorded"])
    event.update(event_id=str(uuid.uuid4()), account_id=f"acct-{n % 17}")
    return event


class Load:
    """Senders posting single events and batches until told to stop; records every answer."""

    def __init__(self, ingest: Ingest) -> None:
        self.ingest = ingest
        self.acknowledged: list[str] = []
        # Events a 503 said were stored all the same: they must be there.
        self.stored_on_503: list[str] = []
        self.refused_seconds: list[float] = []
        self.unexpected: list[str] = []
        self.stopping = asyncio.Event()
        self.count = 0

    async def send(self, worker: int) -> None:
        while not self.stopping.is_set():
            self.count += 1
            events = [usage(self.count * 10 + i) for i in range(1 if worker % 2 else 20)]
            path, body = (
                ("/v1/events", events[0])
                if len(events) == 1
                else ("/v1/events/batch", {"events": events})
            )
            started = time.monotonic()
            response = await self.ingest.client.post(path, json=body, headers=bearer(ANALYTICS_KEY))
            elapsed = time.monotonic() - started
            if response.status_code == 202:
                self.acknowledged += [e["event_id"] for e in events]
            elif response.status_code == 503 and response.headers.get("retry-after") == "1":
                self.refused_seconds.append(elapsed)
                answer = response.json()
                named = [e["event_id"] for e in answer["stored"] + answer["not_stored"]]
                if sorted(named) != sorted(e["event_id"] for e in events):
                    self.unexpected.append(f"503 naming other events: {answer}")
                self.stored_on_503 += [e["event_id"] for e in answer["stored"]]
                # Back off as a client would; an instant 503 (no producer yet) must not
                # let the in-process senders starve the event loop.
                await asyncio.sleep(0.05)
            else:
                self.unexpected.append(f"{response.status_code} {response.text}")


async def until(condition: Callable[[], bool], what: str, within: float = 60) -> None:
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def in_thread(call: Callable[[], Any]) -> Any:
    # Starting and stopping the JVM blocks; the app must keep answering meanwhile.
    result: Awaitable[Any] = asyncio.to_thread(call)
    return await result


async def test_stopped_broker_gives_503_and_every_202_survives(local_server_dir: Path) -> None:
    broker = KafkaBroker(local_server_dir, for_tests=True)
    bootstrap = await in_thread(broker.start)
    port = broker.port
    settings = ingest_settings(
        bootstrap, publish_timeout_seconds=PUBLISH_TIMEOUT, retry_after_seconds=1
    )
    try:
        async with running(settings) as ingest:
            load = Load(ingest)
            senders = [asyncio.create_task(load.send(worker)) for worker in range(4)]
            try:
                await until(lambda: len(load.acknowledged) >= 300, "acknowledged events")

                await in_thread(broker.stop)
                await until(lambda: len(load.refused_seconds) >= 6, "503 answers")
                readiness = await ingest.client.get("/readyz")
                assert readiness.status_code == 503
                assert readiness.json()["checks"]["broker"] is False

                broker = KafkaBroker(local_server_dir, port=port, for_tests=True)
                await in_thread(broker.start)
                before = len(load.acknowledged)
                await until(lambda: len(load.acknowledged) >= before + 300, "recovery", within=90)
            finally:
                load.stopping.set()
                await asyncio.gather(*senders, return_exceptions=True)
            assert (await ingest.client.get("/readyz")).status_code == 200

        assert load.unexpected == []
        # Bounded by the publish timeout, not by the producer's own 15 s request timeout
        # (the margin absorbs a busy machine).
        assert max(load.refused_seconds) < PUBLISH_TIMEOUT + 8
        promised = load.acknowledged + load.stored_on_503
        stored = await records_by_id(bootstrap, settings.topic(USAGE), promised, within=60)
        missing = set(promised) - stored.keys()
        assert not missing, f"{len(missing)} of {len(promised)} acknowledged events lost"
    finally:
        await in_thread(broker.stop)


async def test_a_producer_out_of_sequence_is_replaced_and_publishing_resumes(
    kafka_bootstrap: str,
) -> None:
    async with running(ingest_settings(kafka_bootstrap)) as ingest:
        runtime = ingest.app.state.runtime
        event = usage(1)
        first = await ingest.client.post("/v1/events", json=event, headers=bearer(ANALYTICS_KEY))
        assert first.status_code == 202
        # Desynchronise the producer's sequence for that partition, as an outage can: the
        # broker then answers OutOfOrderSequenceNumber, after which aiokafka never sends.
        broken = runtime.producer
        topic = ingest.topic(USAGE)
        partitions = sorted(await broken.partitions_for(topic))
        partition = DefaultPartitioner()(event["account_id"].encode(), partitions, partitions)
        broken._txn_manager.increment_sequence_number(TopicPartition(topic, partition), 5)

        refused = await ingest.client.post(
            "/v1/events", json=usage(1), headers=bearer(ANALYTICS_KEY)
        )
        assert refused.status_code == 503
        assert "OutOfOrderSequenceNumber" in refused.json()["error"]["message"]
        await until(
            lambda: runtime.producer is not broken and not runtime.producers.replacing,
            "a new producer",
        )

        again = usage(1)
        accepted = await ingest.client.post("/v1/events", json=again, headers=bearer(ANALYTICS_KEY))
        assert accepted.status_code == 202
        stored = await records_by_id(kafka_bootstrap, topic, [again["event_id"]])
        assert again["event_id"] in stored
