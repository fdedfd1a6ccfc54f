"""One contract, end to end: whatever ingest accepts, every consumer applies.

Bodies are drawn from the published JSON Schema (tests/ingest/contract.py); what ingest's
admission accepts is handed, as the record it stores, to health's and renewals' own
consumer loops (`ConsumerLoop.settle`: decode, claim, the service's routes and unit of
work, and the poison isolation that decides what is dead-lettered) against real
PostgreSQL, one schema per service for the whole module. Every record must be applied,
none dead-lettered; so must the health.scored events health derives from it, which
renewals consumes. The broker is not needed: `settle` is everything a batch does before
it publishes dead letters and commits offsets.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import uuid
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from aiokafka.structs import ConsumerRecord
from hypothesis import HealthCheck, assume, example, given, settings
from sqlalchemy import text

from radar_health import main as health_main
from radar_health.settings import HealthSettings
from radar_ingest.domain.admission import Admission, Record
from radar_ingest.domain.catalog import INGEST_TYPES
from radar_renewals import main as renewals_main
from radar_renewals.settings import RenewalsSettings
from radar_runtime import ManualClock
from radar_runtime.consumer import ConsumerLoop, Settled
from radar_runtime.db import Database
from radar_runtime.kafka import ProducerHandle
from radar_runtime.migrations import migrate
from radar_schemas import Envelope, decode
from radar_schemas.topics import HEALTH

from ..contract import KEY, NOW, through_ingest, valid_bodies, widest_admission

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

# Ingest and the consumers share the topic names, as one installation does.
PREFIX = "c."
EXAMPLES = 15
T = TypeVar("T")

# Run every time besides the generated ones: the contract's extremes at once (largest
# amounts and counts, first and last days), and any body that once got through ingest
# and was then rejected by a consumer.
REGRESSIONS: dict[str, list[dict[str, Any]]] = {
    "subscription.upserted": [
        {
            "type": "subscription.upserted",
            "account_id": "acct-extreme",
            "occurred_at": "2199-12-30T23:59:59Z",
            "payload": {
                "subscription_id": "sub-extreme",
                "plan": "Enterprise",
                "seats": 2147483647,
                "arr": 999999999999999.9,
                "currency": "EUR",
                "start_date": "1900-01-01",
                "end_date": "2199-12-31",
                "auto_renew": True,
            },
        }
    ],
    "usage.recorded": [
        {
            "type": "usage.recorded",
            "account_id": "acct-extreme",
            "occurred_at": "1900-01-01T00:00:00Z",
            "payload": {"metric": "logins", "quantity": 1000000000000.0, "user_id": "u-1"},
        }
    ],
}


@dataclass
class Consumer:
    name: str
    loop: ConsumerLoop
    db: Database
    topics: frozenset[str]  # the physical topics its loop reads
    routed: frozenset[str]  # the event types its routes apply (the rest are only claimed)

    producers: ProducerHandle

    async def close(self) -> None:
        await self.loop.stop()
        await self.producers.stop()
        await self.db.dispose()

    async def settle(self, records: list[ConsumerRecord[bytes, bytes]]) -> Settled:
        return await self.loop.settle(records)

    async def claimed(self, source: str, event_id: uuid.UUID | None = None) -> int:
        """How many events of `source` (with `event_id`, if given) it has claimed."""
        statement = "SELECT count(*) FROM processed_events WHERE source = :s"
        params: dict[str, Any] = {"s": source}
        if event_id is not None:
            statement += " AND event_id = :e"
            params["e"] = event_id
        async with self.db.sessions() as session:
            count = await session.scalar(text(statement), params)
        return int(count or 0)

    async def emitted_since(
        self, outbox_id: int, topic: str
    ) -> tuple[int, list[tuple[str, bytes]]]:
        """What this service's outbox holds on `topic` after `outbox_id` (key, value), and
        the last id."""
        async with self.db.sessions() as session:
            rows = (
                await session.execute(
                    text("SELECT id, topic, key, value FROM outbox WHERE id > :i ORDER BY id"),
                    {"i": outbox_id},
                )
            ).all()
        last = rows[-1].id if rows else outbox_id
        return last, [(row.key, row.value) for row in rows if row.topic == topic]


class Pipeline:
    """Ingest's admission and the two consumers, on an event loop of their own: hypothesis
    drives a plain function, so each example runs its async part here to completion."""

    def __init__(self, database_url: str) -> None:
        self.admission: Admission = widest_admission(PREFIX)
        self._loop = asyncio.new_event_loop()
        self.health, self.renewals = self.run(self._start(database_url))
        self._offsets = itertools.count()
        self._health_outbox = 0

    def run(self, step: Coroutine[Any, Any, T]) -> T:
        return self._loop.run_until_complete(step)

    async def _start(self, database_url: str) -> tuple[Consumer, Consumer]:
        return (
            await _consumer(health_main, HealthSettings, database_url),
            await _consumer(renewals_main, RenewalsSettings, database_url),
        )

    def close(self) -> None:
        for consumer in (self.health, self.renewals):
            self.run(consumer.close())
        self._loop.close()

    def delivered(self, topic: str, key: bytes, value: bytes) -> ConsumerRecord[bytes, bytes]:
        """`value` as a consumer fetches it from `topic`."""
        return ConsumerRecord(
            topic=topic,
            partition=0,
            offset=next(self._offsets),
            timestamp=0,
            timestamp_type=0,
            key=key,
            value=value,
            checksum=None,
            serialized_key_size=len(key),
            serialized_value_size=len(value),
            headers=(),
        )

    async def apply(self, record: Record, event: Envelope) -> dict[str, int]:
        """Hand `record` to each consumer that reads its topic, then health's health.scored
        to renewals; fail on anything not applied. Returns how many each applied."""
        applied: dict[str, int] = {}
        wanted = {(event.source, event.event_id)}
        assert any(event.type in c.routed for c in (self.health, self.renewals)), event.type
        for consumer in (self.health, self.renewals):
            if record.topic in consumer.topics:
                fetched = self.delivered(record.topic, record.key, record.value)
                settled = await consumer.settle([fetched])
                assert_applied(consumer, settled, wanted, event)
                assert await consumer.claimed(event.source) == 1
                applied[consumer.name] = 1
        derived_topic = f"{PREFIX}{HEALTH}"
        self._health_outbox, scored = await self.health.emitted_since(
            self._health_outbox, derived_topic
        )
        if scored:
            records = [self.delivered(derived_topic, k.encode(), v) for k, v in scored]
            settled = await self.renewals.settle(records)
            assert_none_dead(self.renewals, settled, event)
            # A score health announces again (same account and instant) keeps its id:
            # renewals applied it the first time and this copy is a duplicate.
            for d in settled.delivered:
                assert await self.renewals.claimed(d.event.source, d.event.event_id) == 1
            applied["renewals (health.scored)"] = len(settled.applied)
        return applied


def assert_applied(
    consumer: Consumer, settled: Settled, wanted: set[tuple[str, uuid.UUID]], cause: Envelope
) -> None:
    assert_none_dead(consumer, settled, cause)
    assert settled.applied == wanted, f"{consumer.name} did not apply {cause!r}"


def assert_none_dead(consumer: Consumer, settled: Settled, cause: Envelope) -> None:
    reasons = [reason for _, reason in settled.failures]
    assert not reasons, f"{consumer.name} dead-letters what ingest accepted: {reasons}\n{cause!r}"


async def _consumer(service: Any, settings_class: type[Any], database_url: str) -> Consumer:
    """The service's own consumer loop, routes and schema; no broker is reached (nothing
    here fetches, publishes or commits offsets)."""
    tag = uuid.uuid4().hex[:10]
    config = settings_class(
        database_url=database_url,
        db_schema=f"c_{tag}",
        auth_schema=f"a_{tag}",
        topic_prefix=PREFIX,
        retry_backoff_seconds=0.02,
    )
    parts = service.bootstrap(config, ManualClock(NOW))
    spec = service.spec(parts)
    db = Database(config.database_url, config.db_schema, pool_size=2)
    await migrate(db, spec.migrations)
    producers = ProducerHandle(config)
    loop = ConsumerLoop(
        settings=config,
        db=db,
        producers=producers,
        clock=parts.runtime.clock,
        topics=spec.consumes,
        handler=spec.routes.apply,
    )
    topics = frozenset(config.topic(t) for t in spec.consumes)
    return Consumer(
        config.service_name, loop, db, topics, frozenset(spec.routes.event_types), producers
    )


@pytest.fixture(scope="module")
def pipeline(database_url: str) -> Iterator[Pipeline]:
    built = Pipeline(database_url)
    try:
        yield built
    finally:
        built.close()


@pytest.mark.parametrize("event_type", INGEST_TYPES)
def test_whatever_ingest_accepts_health_and_renewals_apply(
    pipeline: Pipeline, event_type: str
) -> None:
    sources = itertools.count()
    applied: dict[str, int] = {}

    def check(raw: Any) -> None:
        # A source of its own per example: ids ingest derives from the body, or ids the
        # generator repeats, are new events to the consumers, never duplicates.
        key = dataclasses.replace(KEY, source=f"property-{uuid.uuid4().hex[:8]}-{next(sources)}")
        outcome = through_ingest(pipeline.admission, raw, key)
        if isinstance(outcome, list):
            # Refused with a 4xx naming a field (the unit test's half): no consumer sees it,
            # and hypothesis draws another, so each type has EXAMPLES accepted bodies.
            assert outcome and all(d["field"] and d["reason"] for d in outcome)
            assume(False)
            return
        event = decode(outcome.value)
        assert event.type == event_type
        for name, count in pipeline.run(pipeline.apply(outcome, event)).items():
            applied[name] = applied.get(name, 0) + count
        applied["accepted"] = applied.get("accepted", 0) + 1

    for body in REGRESSIONS.get(event_type, []):
        check = example(body)(check)
    given(valid_bodies(event_type))(
        settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))(
            check
        )
    )()

    assert applied.get("accepted", 0) > 0, "nothing generated was accepted: the test says nothing"
    assert applied.get("health", 0) + applied.get("renewals", 0) >= applied["accepted"], applied
