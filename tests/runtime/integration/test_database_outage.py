"""A database outage pauses consumption without moving offsets; nothing is lost after."""

from __future__ import annotations

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from radar_runtime.local.postgres import LocalPostgres
from radar_runtime.testing.helpers import eventually, publish
from radar_schemas.topics import USAGE

from .conftest import runtime_settings
from .toy import ToyHandler, expected_state, read_state, start_toy, usage

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(240)]


async def committed_total(bootstrap: str, group: str, topic: str, partitions: int) -> int:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        offsets = [await consumer.committed(TopicPartition(topic, p)) for p in range(partitions)]
    finally:
        await consumer.stop()
    return sum(o or 0 for o in offsets)


async def test_database_down_pauses_then_catches_up(kafka_bootstrap, tmp_path):
    server = LocalPostgres(tmp_path / "pg", for_tests=True)
    url = server.start()
    settings = runtime_settings(kafka_bootstrap, url)
    topic = settings.topic(USAGE)
    before = [usage(f"acct-{i % 3}", 1) for i in range(50)]
    during = [usage(f"acct-{i % 3}", 2, minute=1) for i in range(50)]
    runtime = await start_toy(settings, ToyHandler())
    try:
        await publish(kafka_bootstrap, settings, before)
        await eventually(lambda: _state_is(runtime, before), what="first events applied")
        await eventually(
            lambda: _committed_is(kafka_bootstrap, settings, topic, 50), what="offsets committed"
        )

        server.stop()
        await publish(kafka_bootstrap, settings, during)
        assert runtime.consumer is not None
        await eventually(_paused(runtime), what="consumption paused")
        readiness = await runtime.readiness()
        assert readiness["database"] is False
        assert (
            await committed_total(
                kafka_bootstrap, settings.group_id, topic, settings.raw_topic_partitions
            )
            == 50
        )

        server.start()
        await eventually(lambda: _state_is(runtime, before + during), what="caught up")
        assert await read_state(runtime) == expected_state(before + during)
        await eventually(
            lambda: _committed_is(kafka_bootstrap, settings, topic, 100), what="offsets moved on"
        )
    finally:
        await runtime.stop()
        server.stop()


async def _state_is(runtime, events) -> bool:
    return await read_state(runtime) == expected_state(events)


async def _committed_is(bootstrap, settings, topic, count) -> bool:
    total = await committed_total(
        bootstrap, settings.group_id, topic, settings.raw_topic_partitions
    )
    return total == count


def _paused(runtime):
    async def check() -> bool:
        return runtime.consumer.database_paused

    return check
