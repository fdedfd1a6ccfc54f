"""The project's own servers: real Kafka and PostgreSQL that keep data across restarts
and replace what a killed owner left running."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from radar_runtime.local.kafka import KafkaBroker
from radar_runtime.local.postgres import LocalPostgres
from radar_runtime.local.process import LocalServerError, free_port, process_alive

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]


async def create_topic(bootstrap: str, topic: str, partitions: int = 2) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, partitions, replication_factor=1)])
    finally:
        await admin.close()


async def produce(bootstrap: str, topic: str, values: list[str]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, acks="all")
    await producer.start()
    try:
        sends = [await producer.send(topic, v.encode(), key=v[-1:].encode()) for v in values]
        await asyncio.gather(*sends)
    finally:
        await producer.stop()


async def consume(bootstrap: str, topic: str, expect: int) -> list[str]:
    """Values read from the start of `topic`; gives up after 30 s with what it has."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"reader-{topic}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    values: list[str] = []
    try:
        async with asyncio.timeout(30):
            while len(values) < expect:
                batches = await consumer.getmany(timeout_ms=500)
                values += [r.value.decode() for rs in batches.values() for r in rs if r.value]
    except TimeoutError:
        pass  # the assertion on the values says what is missing
    finally:
        await consumer.stop()
    return values


async def query(url: str, sql: str) -> list[tuple[object, ...]]:
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            result = await connection.execute(text(sql))
            return [tuple(row) for row in result.all()] if result.returns_rows else []
    finally:
        await engine.dispose()


def start_owner_then_kill(code: str) -> None:
    """Run `code` (which starts a server) in a child, then SIGKILL it once it is ready."""
    # Waiting on stdin ends the child with this process, should the test itself be killed.
    ready = "\nimport sys; print('READY', flush=True); sys.stdin.read()\n"
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code) + ready],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "READY"
    finally:
        child.kill()
        child.wait()


async def test_idempotent_producer_round_trip(kafka_bootstrap, unique):
    topic = unique("roundtrip")
    await create_topic(kafka_bootstrap, topic)
    sent = [f"event-{i}" for i in range(200)]

    await produce(kafka_bootstrap, topic, sent)

    assert sorted(await consume(kafka_bootstrap, topic, expect=200)) == sorted(sent)


@pytest.mark.slow
async def test_broker_keeps_records_across_restart(local_server_dir, unique):
    topic = unique("durable")
    broker = KafkaBroker(local_server_dir / "kafka", for_tests=True)
    try:
        bootstrap = broker.start()
        await create_topic(bootstrap, topic)
        await produce(bootstrap, topic, ["a-0", "b-1", "c-2"])
        with pytest.raises(LocalServerError, match="in use"):
            KafkaBroker(local_server_dir / "kafka").start()
        broker.stop()

        bootstrap = broker.start()
        await produce(bootstrap, topic, ["d-3"])
        assert sorted(await consume(bootstrap, topic, expect=4)) == ["a-0", "b-1", "c-2", "d-3"]
    finally:
        broker.stop()


@pytest.mark.slow
async def test_broker_left_by_a_killed_owner_is_replaced(local_server_dir, unique):
    data_dir = local_server_dir / "kafka"
    start_owner_then_kill(
        f"""
        from pathlib import Path
        from radar_runtime.local.kafka import KafkaBroker
        KafkaBroker(Path({str(data_dir)!r}), for_tests=True).start()
        """
    )
    leftover = int((data_dir / "kafka.pid").read_text())
    assert process_alive(leftover)

    broker = KafkaBroker(data_dir, for_tests=True)
    try:
        bootstrap = broker.start()
        assert not process_alive(leftover)
        topic = unique("after_leftover")
        await create_topic(bootstrap, topic, partitions=1)
        await produce(bootstrap, topic, ["x-1"])
        assert await consume(bootstrap, topic, expect=1) == ["x-1"]
    finally:
        broker.stop()


async def test_database_answers(database_url):
    assert await query(database_url, "SELECT 1") == [(1,)]


async def test_postgres_keeps_data_across_restart_and_serves_tcp(local_server_dir):
    data_dir = local_server_dir / "postgres"
    server = LocalPostgres(data_dir, for_tests=True)
    try:
        url = server.start()
        await query(url, "CREATE TABLE kept (id int PRIMARY KEY, note text)")
        await query(url, "INSERT INTO kept VALUES (1, 'survives'), (2, 'a restart')")
    finally:
        server.stop()

    port = free_port()
    server = LocalPostgres(data_dir, port, for_tests=True)
    try:
        url = server.start()
        assert url.startswith(f"postgresql+asyncpg://postgres@127.0.0.1:{port}/")
        rows = await query(url, "SELECT note FROM kept ORDER BY id")
        assert rows == [("survives",), ("a restart",)]
        [(address, setting)] = await query(
            url, "SELECT host(inet_server_addr()), current_setting('max_connections')"
        )
        assert (address, int(str(setting))) == ("127.0.0.1", 200)
    finally:
        server.stop()


async def test_postgres_left_by_a_killed_owner_is_replaced(local_server_dir):
    data_dir = local_server_dir / "postgres"
    start_owner_then_kill(
        f"""
        from pathlib import Path
        from radar_runtime.local.postgres import LocalPostgres
        LocalPostgres(Path({str(data_dir)!r}), for_tests=True).start()
        """
    )
    leftover = _postmaster_pid(data_dir / "pgdata")
    assert process_alive(leftover)

    server = LocalPostgres(data_dir, for_tests=True)
    try:
        url = server.start()
        assert not process_alive(leftover)
        assert _postmaster_pid(data_dir / "pgdata") != leftover
        assert await query(url, "SELECT 41 + 1") == [(42,)]
    finally:
        server.stop()
    assert not (data_dir / "pgdata" / "postmaster.pid").exists()


def _postmaster_pid(pgdata: Path) -> int:
    return int((pgdata / "postmaster.pid").read_text().splitlines()[0])
