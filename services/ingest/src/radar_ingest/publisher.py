"""The producer the routes publish with, replaced when aiokafka leaves it broken for good."""

from __future__ import annotations

from collections.abc import Sequence

from aiokafka import AIOKafkaProducer

from radar_runtime import Runtime

from .errors import BrokerUnavailable
from .publish import Record, publish


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
            await publish(producer, records, self.within)
        except BrokerUnavailable as exc:
            if exc.fatal and producer is not None and self.runtime.producers is not None:
                self.runtime.producers.replace_soon(producer)
            raise
