"""Kafka clients the way every service uses them: idempotent producer, manual-commit consumer."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Mapping

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import (
    InvalidProducerEpoch,
    OutOfOrderSequenceNumber,
    ProducerFenced,
    UnknownProducerId,
)

from radar_schemas.topics import DERIVED_TOPICS, dlq_topic

from .settings import RuntimeSettings

log = logging.getLogger(__name__)

_TOPIC_ALREADY_EXISTS = 36


def make_producer(settings: RuntimeSettings, **overrides: object) -> AIOKafkaProducer:
    """Idempotent, acks=all: a send that returns has been stored by every in-sync replica."""
    options: dict[str, object] = {
        "bootstrap_servers": settings.kafka_bootstrap_servers,
        "client_id": f"radar-{settings.service_name}",
        "enable_idempotence": settings.kafka_idempotent_producer,
        "acks": "all",
        "compression_type": settings.kafka_compression or None,
        "linger_ms": 5,
        "max_batch_size": 256 * 1024,
        "request_timeout_ms": 15000,
    }
    options.update(overrides)
    return AIOKafkaProducer(**options)


def make_consumer(settings: RuntimeSettings, **overrides: object) -> AIOKafkaConsumer:
    """Offsets are committed by the runtime after the database commit, never automatically."""
    options: dict[str, object] = {
        "bootstrap_servers": settings.kafka_bootstrap_servers,
        "client_id": f"radar-{settings.service_name}",
        "group_id": settings.group_id,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "max_partition_fetch_bytes": 4 * 1024 * 1024,
        "fetch_max_bytes": 32 * 1024 * 1024,
    }
    options.update(overrides)
    return AIOKafkaConsumer(**options)


def topic_partitions(settings: RuntimeSettings, logical_topics: Iterable[str]) -> dict[str, int]:
    """Physical names and partition counts of the topics and their dead-letter twins."""
    wanted: dict[str, int] = {}
    for logical in logical_topics:
        count = (
            settings.derived_topic_partitions
            if logical in DERIVED_TOPICS
            else settings.raw_topic_partitions
        )
        wanted[settings.topic(logical)] = count
        wanted[dlq_topic(settings.topic(logical))] = 1
    return wanted


async def ensure_topics(
    bootstrap_servers: str, partitions: Mapping[str, int], *, replication_factor: int = 1
) -> list[str]:
    """Create the topics that do not exist yet; returns the names created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=15000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(name, count, replication_factor)
            for name, count in partitions.items()
            if name not in existing
        ]
        if not missing:
            return []
        response = await admin.create_topics(missing)
        created = []
        for name, code, *_ in response.topic_errors:
            if code not in (0, _TOPIC_ALREADY_EXISTS):
                raise RuntimeError(f"could not create topic {name}: error code {code}")
            if code == 0:
                created.append(name)
        log.info("topics created", extra={"topics": created})
        return created
    finally:
        await admin.close()


# Errors after which aiokafka's idempotent producer never sends again (its sequence
# numbers no longer match the broker's, e.g. after a broker restart;
# aio-libs/aiokafka#1017): only a new producer, with a new producer id, helps.
FATAL_PRODUCER_ERRORS: tuple[type[BaseException], ...] = (
    OutOfOrderSequenceNumber,
    UnknownProducerId,
    InvalidProducerEpoch,
    ProducerFenced,
)


class ProducerHandle:
    """The service's one producer, replaced when aiokafka leaves it broken for good.

    Everything that publishes (routes, the outbox relay, dead-lettering) reads
    `current` at each use and reports a fatal error with `replace_soon`."""

    def __init__(self, settings: RuntimeSettings, **options: object) -> None:
        self._settings = settings
        self._options = options
        self.current = make_producer(settings, **options)
        self._replacing: asyncio.Task[None] | None = None

    @property
    def replacing(self) -> bool:
        return self._replacing is not None and not self._replacing.done()

    async def start(self) -> None:
        await self.current.start()

    def replace_soon(self, broken: AIOKafkaProducer) -> None:
        if broken is self.current and not self.replacing:
            self._replacing = asyncio.create_task(self._replace(broken), name="producer-replace")

    async def _replace(self, broken: AIOKafkaProducer) -> None:
        log.warning("the producer failed for good; starting a new one")
        delay = 0.5
        while True:
            fresh = make_producer(self._settings, **self._options)
            try:
                await fresh.start()
                break
            except Exception as exc:
                log.warning("new producer could not start; retrying", extra={"error": repr(exc)})
                with contextlib.suppress(Exception):
                    await fresh.stop()
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
        self.current = fresh
        # Its pending batches already failed; stopping only releases its connections.
        with contextlib.suppress(Exception):
            async with asyncio.timeout(10):
                await broken.stop()
        log.warning("new producer started")

    async def stop(self) -> None:
        if self._replacing is not None:
            self._replacing.cancel()
            with contextlib.suppress(BaseException):
                await self._replacing
        await self.current.stop()
