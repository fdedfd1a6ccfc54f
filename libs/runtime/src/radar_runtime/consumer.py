"""The batch consumer loop: the delivery guarantees every service shares, written once.

fetch a batch → decode (undecodable → DLQ) → one transaction: claim (source, event id)
pairs in `processed_events`, run the handler on the new ones, write what it emits to the
outbox → commit → dead-letter what failed → commit offsets. A crash anywhere before
the offset commit replays the batch, and the claimed ids make the replay a no-op.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar
from uuid import UUID

from aiokafka import ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, KafkaError
from aiokafka.structs import ConsumerRecord
from pydantic import ValidationError
from sqlalchemy import Text, Uuid, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError

from radar_schemas.codec import decode
from radar_schemas.envelope import Envelope
from radar_schemas.topics import dlq_topic

from . import metrics
from .clock import Clock
from .collector import collector_paused
from .db import Database
from .kafka import FATAL_PRODUCER_ERRORS, ProducerHandle, make_consumer
from .settings import RuntimeSettings
from .unit_of_work import UnitOfWork, unit_of_work

log = logging.getLogger(__name__)

Handler = Callable[[UnitOfWork, Sequence[Envelope]], Awaitable[None]]
"""Applies new (never seen) events to the service's projections; may `uow.emit` events."""

_CLAIM = text(
    "INSERT INTO processed_events (source, event_id) SELECT * FROM unnest(:sources, :ids) "
    "ON CONFLICT DO NOTHING RETURNING source, event_id"
).bindparams(bindparam("sources", type_=ARRAY(Text)), bindparam("ids", type_=ARRAY(Uuid)))

# An event is known by its source and id: two source systems may use the same id.
Key = tuple[str, UUID]

Failure = tuple[ConsumerRecord[bytes, bytes], str]
T = TypeVar("T")

# A failed batch is halved down to this size, then applied record by record.
_ONE_BY_ONE = 16


@dataclass(frozen=True, slots=True)
class Delivered:
    event: Envelope
    record: ConsumerRecord[bytes, bytes]


@dataclass(frozen=True, slots=True)
class Settled:
    """What became of a batch's records: the ones decoded, the (source, event id) pairs
    applied for the first time, and the ones to dead-letter with their reasons."""

    delivered: list[Delivered]
    applied: set[Key]
    failures: list[Failure]


class _Stopping(Exception):
    """Raised to abandon a batch that cannot finish; it is replayed after restart."""


class ConsumerLoop:
    def __init__(
        self,
        *,
        settings: RuntimeSettings,
        db: Database,
        producers: ProducerHandle,
        clock: Clock,
        topics: Sequence[str],
        handler: Handler,
    ) -> None:
        self._settings = settings
        self._db = db
        self._producers = producers
        self._clock = clock
        self._handler = handler
        self._service = settings.service_name
        self._logical = {settings.topic(t): t for t in topics}
        self._consumer = make_consumer(settings)
        self._lock = asyncio.Lock()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.assigned: frozenset[TopicPartition] = frozenset()
        self.database_paused = False
        # Fault-injection seam: awaited between the database commit and the offset
        # commit, the window a crash must not turn into lost or doubled effects.
        self.after_db_commit: Callable[[], Awaitable[None]] | None = None

    @property
    def ready(self) -> bool:
        return bool(self.assigned) and not self.database_paused

    async def start(self) -> None:
        self._consumer.subscribe(list(self._logical), listener=_FinishBatchOnRevoke(self))
        await self._consumer.start()
        self._task = asyncio.create_task(self._run(), name=f"{self._service}-consumer")

    async def stop(self) -> None:
        """Stop fetching, finish and commit the batch in hand, leave the group."""
        self._stopping.set()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
        await self._consumer.stop()

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                batch = await self._consumer.getmany(
                    timeout_ms=self._settings.batch_timeout_ms,
                    max_records=self._settings.batch_max_records,
                )
                if batch:
                    async with self._lock:
                        with collector_paused():
                            await self.process(batch)
            except _Stopping:
                return
            except Exception:
                # Nothing was committed for this batch: it is fetched again.
                log.exception("consumer batch failed; retrying from the last commit")
                await self._rewind()
                await asyncio.sleep(1)

    async def _rewind(self) -> None:
        for tp in self._consumer.assignment():
            try:
                await self._consumer.seek_to_committed(tp)
            except KafkaError:
                log.warning("could not rewind partition", extra={"partition": str(tp)})

    async def process(
        self, batch: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]
    ) -> None:
        started = time.monotonic()
        records = [record for records in batch.values() for record in records]
        settled = await self.settle(records)
        await self._dead_letter(settled.failures)
        await self._commit_offsets(batch)
        self._observe(
            batch, settled.delivered, settled.applied, settled.failures, time.monotonic() - started
        )

    async def settle(self, records: list[ConsumerRecord[bytes, bytes]]) -> Settled:
        """The database half of a batch: decode the records and apply them, isolating the
        poison ones. Publishes nothing and moves no offset (that is `process`)."""
        delivered, failures = self._decode(records)
        applied = await self._apply_isolating(delivered, failures)
        return Settled(delivered, applied, failures)

    def _decode(
        self, records: list[ConsumerRecord[bytes, bytes]]
    ) -> tuple[list[Delivered], list[Failure]]:
        delivered: list[Delivered] = []
        failures: list[Failure] = []
        for record in records:
            try:
                if record.value is None:
                    raise ValueError("empty record value")
                delivered.append(Delivered(decode(record.value), record))
            except (ValidationError, ValueError) as exc:
                failures.append((record, f"undecodable: {_first_line(exc)}"))
        return delivered, failures

    async def _apply_isolating(
        self, delivered: list[Delivered], failures: list[Failure]
    ) -> set[Key]:
        """Apply the batch; if it fails for good, find the records that fail alone (they
        end up in `failures`) and apply the rest."""
        if not delivered:
            return set()
        result = await self._apply_with_retries(self._apply, delivered)
        if not isinstance(result, Exception):
            return result
        return await self._isolate(delivered, failures)

    async def _isolate(self, delivered: list[Delivered], failures: list[Failure]) -> set[Key]:
        """Halve a failed batch until the parts are small, then apply each record of a
        part in a savepoint of one transaction: a few poison records among thousands
        cost a few transactions, a hundred among a hundred no more than a dozen."""
        if len(delivered) > _ONE_BY_ONE:
            half = len(delivered) // 2
            applied = await self._apply_isolating(delivered[:half], failures)
            return applied | await self._apply_isolating(delivered[half:], failures)
        result = await self._apply_with_retries(self._apply_each, delivered)
        if isinstance(result, Exception):
            failures.extend((d.record, f"handler failed: {_first_line(result)}") for d in delivered)
            return set()
        applied, rejected = result
        failures.extend(rejected)
        return applied

    async def _apply_with_retries(
        self, apply: Callable[[list[Delivered]], Awaitable[T]], delivered: list[Delivered]
    ) -> T | Exception:
        """What `apply` returns, or the error that retrying cannot fix. A database
        outage pauses until it is back; transient errors (a deadlock, a dropped
        connection) are retried with back-off; any other error is returned at once."""
        attempt = 0
        while True:
            try:
                return await apply(delivered)
            except Exception as exc:
                if not await self._db.ping():
                    await self._wait_for_database()
                    continue
                if not is_transient(exc) or attempt >= self._settings.handler_retries:
                    log.warning(
                        "handler failed", extra={"error": repr(exc), "records": len(delivered)}
                    )
                    return exc
                attempt += 1
                metrics.HANDLER_RETRIES.labels(self._service).inc()
                await asyncio.sleep(self._settings.retry_backoff_seconds * 2 ** (attempt - 1))

    async def _apply(self, delivered: list[Delivered]) -> set[Key]:
        unique = _first_of_each(delivered)
        async with unit_of_work(self._db, self._clock, self._settings.topic) as uow:
            claimed = await _claim(uow, list(unique))
            fresh = [d.event for key, d in unique.items() if key in claimed]
            if fresh:
                await self._handler(uow, fresh)
        if self.after_db_commit is not None:
            await self.after_db_commit()
        return claimed

    async def _apply_each(self, delivered: list[Delivered]) -> tuple[set[Key], list[Failure]]:
        """Each record on its own, in a savepoint, all in one transaction: the ones the
        handler rejects are rolled back to their savepoint and returned as failures."""
        applied: set[Key] = set()
        rejected: list[Failure] = []
        async with unit_of_work(self._db, self._clock, self._settings.topic) as uow:
            for key, d in _first_of_each(delivered).items():
                mark = uow.mark()
                try:
                    async with uow.session.begin_nested():
                        claimed = await _claim(uow, [key])
                        if claimed:
                            await self._handler(uow, [d.event])
                except Exception as exc:
                    if is_transient(exc):
                        raise
                    uow.forget_since(mark)
                    rejected.append((d.record, f"handler failed: {_first_line(exc)}"))
                else:
                    applied |= claimed
        if self.after_db_commit is not None:
            await self.after_db_commit()
        return applied, rejected

    async def _wait_for_database(self) -> None:
        """Hold the batch, move no offset, stay in the group until the database is back."""
        log.error("database unreachable: consumption paused")
        self.database_paused = True
        metrics.DATABASE_UP.labels(self._service).set(0)
        paused = self._consumer.assignment()
        self._consumer.pause(*paused)
        delay = 0.5
        try:
            while not await self._db.ping():
                if self._stopping.is_set():
                    raise _Stopping
                # Polling paused partitions returns nothing but keeps the member alive.
                await self._consumer.getmany(timeout_ms=int(delay * 1000))
                delay = min(delay * 2, 5.0)
        finally:
            self._consumer.resume(*paused)
            self.database_paused = False
        metrics.DATABASE_UP.labels(self._service).set(1)
        log.warning("database back: consumption resumed")

    async def _dead_letter(self, failures: list[Failure]) -> None:
        """Store failed records in `<topic>.dlq` before their offsets move past them."""
        if not failures:
            return
        delay = 0.5
        while True:
            producer = self._producers.current
            try:
                sends = [
                    await producer.send(
                        dlq_topic(record.topic),
                        value=record.value,
                        key=record.key,
                        headers=[
                            ("error", reason[:2000].encode()),
                            ("original_topic", record.topic.encode()),
                            ("original_partition", str(record.partition).encode()),
                            ("original_offset", str(record.offset).encode()),
                        ],
                    )
                    for record, reason in failures
                ]
                await asyncio.gather(*sends)
                break
            except KafkaError as exc:
                log.exception("dead-letter publish failed; retrying")
                if isinstance(exc, FATAL_PRODUCER_ERRORS):
                    self._producers.replace_soon(producer)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        for record, reason in failures:
            kind = reason.split(":", 1)[0].replace(" ", "_")
            metrics.DLQ_EVENTS.labels(self._service, self._label(record.topic), kind).inc()

    async def _commit_offsets(
        self, batch: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]
    ) -> None:
        offsets = {tp: records[-1].offset + 1 for tp, records in batch.items()}
        for attempt in range(5):
            try:
                await self._consumer.commit(offsets)
                return
            except CommitFailedError:
                # Partitions moved to another member; it replays from the last commit
                # and the claimed event ids make that a no-op.
                log.warning("offset commit rejected after a rebalance")
                return
            except KafkaError:
                log.warning("offset commit failed", extra={"attempt": attempt + 1})
                await asyncio.sleep(0.2 * 2**attempt)

    def _observe(
        self,
        batch: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]],
        delivered: list[Delivered],
        applied: set[Key],
        failures: list[Failure],
        elapsed: float,
    ) -> None:
        service = self._service
        outcomes: Counter[tuple[str, str]] = Counter()
        now = time.time()
        age_by_topic: dict[str, list[float]] = {}
        dead = {(record.topic, record.partition, record.offset) for record, _ in failures}
        for d in delivered:
            topic = self._label(d.record.topic)
            if (d.record.topic, d.record.partition, d.record.offset) in dead:
                continue  # counted below, once, as dead-lettered
            key = (d.event.source, d.event.event_id)
            if key in applied:
                outcomes[(topic, "applied")] += 1
                age_by_topic.setdefault(topic, []).append(now - d.event.occurred_at.timestamp())
                applied.discard(key)  # a duplicate inside the batch counts once
            else:
                outcomes[(topic, "duplicate")] += 1
        for record, _ in failures:
            outcomes[(self._label(record.topic), "dead_lettered")] += 1
        for (topic, outcome), count in outcomes.items():
            metrics.EVENTS_CONSUMED.labels(service, topic, outcome).inc(count)
        for topic, ages in age_by_topic.items():
            histogram = metrics.EVENT_AGE.labels(service, topic)
            for age in ages:
                histogram.observe(age)
        processing = metrics.EVENT_PROCESSING.labels(service)
        for _ in range(sum(len(r) for r in batch.values())):
            processing.observe(elapsed)
        for tp, records in batch.items():
            highwater = self._consumer.highwater(tp)
            if highwater is not None:
                lag = max(highwater - records[-1].offset - 1, 0)
                metrics.CONSUMER_LAG.labels(service, self._label(tp.topic), str(tp.partition)).set(
                    lag
                )
        metrics.LAST_PROCESSED.labels(service).set(now)

    def forget_lag(self, partitions: set[TopicPartition]) -> None:
        """Another member owns these now; its own figures replace ours."""
        for tp in partitions:
            labels = (self._service, self._label(tp.topic), str(tp.partition))
            with contextlib.suppress(KeyError):
                metrics.CONSUMER_LAG.remove(*labels)

    def _label(self, physical_topic: str) -> str:
        return self._logical.get(physical_topic, physical_topic)


class _FinishBatchOnRevoke(ConsumerRebalanceListener):  # type: ignore[misc]
    """Before partitions move, wait for the batch in hand to finish and commit."""

    def __init__(self, loop: ConsumerLoop) -> None:
        self._loop = loop

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        async with self._loop._lock:
            self._loop.assigned = frozenset()
        self._loop.forget_lag(revoked)

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        self._loop.assigned = frozenset(assigned)


# SQLSTATE classes and codes a retry can fix: connection trouble, a serialization
# failure or deadlock between replicas, a statement cancelled by a timeout, no room.
_TRANSIENT_SQLSTATES = ("08", "40001", "40P01", "53", "57014", "57P01", "57P02", "57P03")


def _first_of_each(delivered: list[Delivered]) -> dict[Key, Delivered]:
    unique: dict[Key, Delivered] = {}
    for d in delivered:  # the first copy of an event wins; order is kept
        unique.setdefault((d.event.source, d.event.event_id), d)
    return unique


async def _claim(uow: UnitOfWork, keys: list[Key]) -> set[Key]:
    sources = [source for source, _ in keys]
    ids = [event_id for _, event_id in keys]
    rows = await uow.session.execute(_CLAIM, {"sources": sources, "ids": ids})
    return {(source, event_id) for source, event_id in rows}


def is_transient(exc: BaseException) -> bool:
    """Whether retrying the same records may succeed; validation and domain errors,
    constraint violations and bad data fail the same way every time."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError | TimeoutError | ConnectionError):
            return True
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        state = getattr(current, "sqlstate", None) or getattr(current, "pgcode", None)
        if isinstance(state, str) and state.startswith(_TRANSIENT_SQLSTATES):
            return True
        current = current.__cause__ or current.__context__
    return False


def _first_line(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return f"{exc.error_count()} error(s), first at {where or 'body'}: {first['msg']}"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
