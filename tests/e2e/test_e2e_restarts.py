"""The broker and the database restarted under load: every acknowledged event is
processed exactly once."""

from __future__ import annotations

import asyncio
from collections import defaultdict

import pytest

from radar_runtime.local import KafkaBroker, LocalPostgres, ensure_kafka_jars, free_port
from radar_runtime.testing.helpers import eventually

from .pipeline import start_pipeline, stop_pipeline
from .test_e2e_crash import projected_totals, usage_stream

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(600)]


async def test_broker_and_database_restarts_lose_and_double_nothing(tmp_path):
    ensure_kafka_jars()
    broker = KafkaBroker(tmp_path / "kafka", port=free_port(), for_tests=True)
    database = LocalPostgres(tmp_path / "pg", for_tests=True)
    bootstrap = await asyncio.to_thread(broker.start)
    database_url = await asyncio.to_thread(database.start)
    pipeline = await start_pipeline(bootstrap, database_url, tmp_path)
    try:
        events = usage_stream()
        expected: dict[str, float] = defaultdict(float)
        for e in events:
            expected[e.account_id] += e.payload.quantity

        posting = asyncio.create_task(pipeline.post_until_stored(events))
        await asyncio.sleep(2)
        await asyncio.to_thread(broker.stop)
        await asyncio.sleep(3)
        await asyncio.to_thread(broker.start)
        await asyncio.sleep(2)
        await asyncio.to_thread(database.stop)
        await asyncio.sleep(3)
        await asyncio.to_thread(database.start)
        await posting

        async def caught_up() -> bool:
            try:
                totals = await projected_totals(database_url, pipeline.schema("health"))
            except Exception:
                return False
            return totals == dict(expected)

        await eventually(caught_up, timeout=240, what="every acknowledged event applied once")
        assert not pipeline.processes.exited(), "a service died during the restarts"
    finally:
        await stop_pipeline(pipeline)
        await asyncio.to_thread(broker.stop)
        await asyncio.to_thread(database.stop)
