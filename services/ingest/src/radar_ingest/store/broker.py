"""The broker is ingest's store: producing accepted events and waiting, within a bound,
for its acknowledgement (acks=all), through the runtime's producer."""

from __future__ import annotations

import asyncio
import functools
import time
from collections import defaultdict
from collections.abc import Sequence

from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import murmur2

from radar_runtime import Runtime
from radar_runtime.kafka import FATAL_PRODUCER_ERRORS

from ..domain.admission import Record
from ..metrics import PRODUCE_SECONDS


class BrokerUnavailable(Exception):
    """The broker did not acknowledge every record in time: the request is answered 503.

    `acknowledged`: positions (in the records published) the broker did acknowledge, so
    the answer can name exactly the events that were stored. `fatal`: the producer itself
    is broken and must be replaced. `answer`: what the 503 body says beside the error.
    """

    def __init__(
        self, reason: str, *, fatal: bool = False, acknowledged: frozenset[int] = frozenset()
    ) -> None:
        super().__init__(reason)
        self.fatal = fatal
        self.acknowledged = acknowledged
        self.answer: dict[str, object] = {}


@functools.lru_cache(maxsize=65536)
def key_slot(key: bytes, partition_count: int) -> int:
    """Kafka's default partitioning (murmur2, as the Java client and aiokafka's default):
    an account's events land where any producer of the topic would put them, so
    per-account order holds. Cached: accounts repeat, and murmur2 is pure Python here."""
    return int(murmur2(key) & 0x7FFFFFFF) % partition_count


class Publisher:
    """Publishes through the runtime's producer; while the runtime replaces a producer
    that failed for good, requests are answered 503."""

    def __init__(self, runtime: Runtime, within: float) -> None:
        self.runtime = runtime
        self.within = within

    @property
    def producer(self) -> AIOKafkaProducer | None:
        producers = self.runtime.producers
        if not self.runtime.started.is_set() or producers is None or producers.replacing:
            return None
        return producers.current

    async def publish(self, records: Sequence[Record]) -> None:
        producer = self.producer
        try:
            await _produce(producer, records, self.within)
        except BrokerUnavailable as exc:
            if exc.fatal and producer is not None and self.runtime.producers is not None:
                self.runtime.producers.replace_soon(producer)
            raise


async def _produce(
    producer: AIOKafkaProducer | None, records: Sequence[Record], within: float
) -> None:
    """Return only once every record is acknowledged (acks=all); else BrokerUnavailable
    naming the records that were acknowledged all the same.

    Everything is queued first and the delivery futures gathered: one request costs one
    round of produce requests, not a round trip per event.
    """
    if producer is None:
        raise BrokerUnavailable("not connected to the broker yet")
    started = time.perf_counter()
    futures: list[asyncio.Future[object]] = []
    owners: list[Sequence[int]] = []  # the positions of the records each future carries
    gathered: asyncio.Future[list[object]] | None = None
    try:
        async with asyncio.timeout(within):
            if len(records) == 1:
                # A lone event joins whatever batch concurrent requests are filling.
                record = records[0]
                futures.append(await producer.send(record.topic, record.value, key=record.key))
                owners.append((0,))
            else:
                await _queue_batches(producer, records, futures, owners)
            gathered = asyncio.gather(*futures, return_exceptions=True)
            # Shielded: the timeout abandons the wait; cancelling the futures would not
            # unsend the records anyway, and gather still collects their outcomes.
            results = await asyncio.shield(gathered)
    except TimeoutError:
        raise BrokerUnavailable(
            f"no acknowledgement within {within:g} s", acknowledged=_acknowledged(futures, owners)
        ) from None
    except Exception as exc:  # e.g. the producer was stopped, or failed for good
        raise BrokerUnavailable(
            type(exc).__name__,
            fatal=isinstance(exc, FATAL_PRODUCER_ERRORS),
            acknowledged=_acknowledged(futures, owners),
        ) from exc
    finally:
        if gathered is None and futures:
            # Records already queued may still fail later; collect those outcomes.
            asyncio.gather(*futures, return_exceptions=True)
        PRODUCE_SECONDS.observe(time.perf_counter() - started)
    failed = [r for r in results if isinstance(r, BaseException)]
    if failed:
        raise BrokerUnavailable(
            f"{len(failed)} produce batches failed: {failed[0]!r}",
            fatal=any(isinstance(e, FATAL_PRODUCER_ERRORS) for e in failed),
            acknowledged=_acknowledged(futures, owners),
        )


def _acknowledged(
    futures: Sequence[asyncio.Future[object]], owners: Sequence[Sequence[int]]
) -> frozenset[int]:
    return frozenset(
        position
        for future, positions in zip(futures, owners, strict=False)
        if future.done() and not future.cancelled() and future.exception() is None
        for position in positions
    )


async def _queue_batches(
    producer: AIOKafkaProducer,
    records: Sequence[Record],
    futures: list[asyncio.Future[object]],
    owners: list[Sequence[int]],
) -> None:
    """One record batch per partition, built here: the producer's per-message path
    (a future, a metadata lookup and a partitioner call per event) costs more than
    validating the event."""
    by_partition: defaultdict[tuple[str, int], list[int]] = defaultdict(list)
    partitions: dict[str, list[int]] = {}
    for position, record in enumerate(records):
        every = partitions.get(record.topic)
        if every is None:
            every = partitions[record.topic] = sorted(await producer.partitions_for(record.topic))
        partition = every[key_slot(record.key, len(every))]
        by_partition[(record.topic, partition)].append(position)

    for (topic, partition), group in by_partition.items():
        batch = producer.create_batch()
        carried: list[int] = []
        for position in group:
            record = records[position]
            if batch.append(key=record.key, value=record.value, timestamp=None) is not None:
                carried.append(position)
                continue
            if batch.record_count():  # full: send it, go on with a fresh one
                batch.close()
                futures.append(await producer.send_batch(batch, topic, partition=partition))
                owners.append(carried)
            batch, carried = producer.create_batch(), []
            if batch.append(key=record.key, value=record.value, timestamp=None) is None:
                # Larger than a whole batch: the producer sends it on its own.
                futures.append(await producer.send(topic, record.value, key=record.key))
                owners.append((position,))
                batch = producer.create_batch()
            else:
                carried.append(position)
        if batch.record_count():
            batch.close()
            futures.append(await producer.send_batch(batch, topic, partition=partition))
            owners.append(carried)
