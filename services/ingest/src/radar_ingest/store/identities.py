"""The identity facts of group and alias calls, kept on a compacted topic of ingest's own:
written with the events of the same request (acknowledged before the answer), and read
back whole at start, then followed, so every replica's directory learns what any
replica was told."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from ..domain.admission import Record
from ..domain.identities import Directory, IdentityFact
from ..settings import IngestSettings

log = logging.getLogger(__name__)

IDENTITIES = "ingest.identities.v1"
_COMPACTED = {"cleanup.policy": "compact"}


class IdentityLog:
    """A runtime worker: `start` returns once the directory holds every stored fact."""

    def __init__(self, settings: IngestSettings, directory: Directory) -> None:
        self.settings = settings
        self.directory = directory
        self.topic = settings.topic(IDENTITIES)
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None

    def record(self, fact: IdentityFact) -> Record:
        return Record(self.topic, fact.key(), fact.value())

    async def start(self) -> None:
        await self._create_topic()
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.settings.kafka_bootstrap_servers,
            client_id=f"radar-{self.settings.service_name}-identities",
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        await consumer.start()
        self._consumer = consumer
        for _ in range(600):  # a topic just created shows in the metadata a little later
            if self.topic in await consumer.topics():
                break
            await asyncio.sleep(0.1)
        partitions = [TopicPartition(self.topic, 0)]  # created with one partition
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        end = await consumer.end_offsets(partitions)
        while not await _reached(consumer, end):
            self._learn(await consumer.getmany(timeout_ms=500))
        log.info("identity directory loaded", extra={"facts": len(self.directory)})
        self._task = asyncio.create_task(self._follow(consumer), name="ingest-identities")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._consumer is not None:
            await self._consumer.stop()

    async def _follow(self, consumer: AIOKafkaConsumer) -> None:
        while True:
            try:
                self._learn(await consumer.getmany(timeout_ms=1000))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the broker away: the consumer reconnects
                log.warning("reading identity facts failed", extra={"error": repr(exc)})
                await asyncio.sleep(1)

    def _learn(self, batches: dict[TopicPartition, list[object]]) -> None:
        for records in batches.values():
            for record in records:
                value = getattr(record, "value", None)
                fact = IdentityFact.decode(value) if value else None
                if fact is not None:
                    self.directory.learn(fact)

    async def _create_topic(self) -> None:
        admin = AIOKafkaAdminClient(
            bootstrap_servers=self.settings.kafka_bootstrap_servers, request_timeout_ms=15000
        )
        await admin.start()
        try:
            if self.topic in await admin.list_topics():
                return
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(
                    [
                        NewTopic(
                            self.topic,
                            1,
                            self.settings.replication_factor,
                            topic_configs=_COMPACTED,
                        )
                    ]
                )
        finally:
            await admin.close()


async def _reached(consumer: AIOKafkaConsumer, end: dict[TopicPartition, int]) -> bool:
    for partition, offset in end.items():
        if await consumer.position(partition) < offset:
            return False
    return True
