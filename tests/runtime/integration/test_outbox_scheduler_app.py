"""Outbox relay order, the advisory-lock scheduler, and the app's operations endpoints."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from aiokafka import TopicPartition
from aiokafka.partitioner import DefaultPartitioner

from radar_runtime import Job, ManualClock, Runtime, Scheduler, build_app
from radar_runtime.db import Database
from radar_runtime.migrations import migrate
from radar_runtime.testing.helpers import consume_all, eventually, publish
from radar_schemas.codec import decode
from radar_schemas.topics import HEALTH

from .toy import ToyHandler, score_for, start_toy, toy_spec, usage

pytestmark = pytest.mark.integration


async def test_outbox_publishes_emitted_events_in_order_per_account(kafka_bootstrap, settings):
    events = [usage("acct-ordered", 1, minute=i) for i in range(300)]
    runtime = await start_toy(settings, ToyHandler(emit_scores=True))
    try:
        await publish(kafka_bootstrap, settings, events)
        records = await consume_all(kafka_bootstrap, settings.topic(HEALTH), expect=300)
        assert [decode(r.value).event_id for r in records] == [
            score_for(e).event_id for e in events
        ]
        assert {r.key for r in records} == {b"acct-ordered"}
    finally:
        await runtime.stop()


async def test_emit_from_a_command_reaches_the_topic(kafka_bootstrap, settings):
    runtime = await start_toy(settings, ToyHandler())
    try:
        event = score_for(usage("acct-cmd", 1))
        async with runtime.unit_of_work() as uow:
            uow.emit(event)
        [record] = await consume_all(kafka_bootstrap, settings.topic(HEALTH), expect=1)
        assert decode(record.value) == event
    finally:
        await runtime.stop()


async def test_scheduler_runs_a_due_job_once_across_replicas(settings):
    db = Database(settings.database_url, settings.db_schema)
    await migrate(db)
    clock = ManualClock(datetime(2026, 3, 1, tzinfo=UTC))
    runs: list[datetime] = []

    async def job(now: datetime) -> None:
        runs.append(now)

    daily = Job("daily", timedelta(days=1), job)
    replica_a = Scheduler(service="a", db=db, clock=clock, jobs=[daily])
    replica_b = Scheduler(service="b", db=db, clock=clock, jobs=[daily])
    try:
        assert await replica_a.run_due() == ["daily"]
        assert await replica_b.run_due() == []  # already ran today
        clock.advance(timedelta(hours=23))
        assert await replica_a.run_due() == []
        clock.advance(timedelta(hours=1))
        assert await replica_b.run_due() == ["daily"]
        assert runs == [datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 2, tzinfo=UTC)]
    finally:
        await db.dispose()


async def test_scheduler_skips_a_job_another_replica_is_running(settings):
    db = Database(settings.database_url, settings.db_schema)
    await migrate(db)
    clock = ManualClock()
    inner: list[list[str]] = []
    other = Scheduler(service="b", db=db, clock=clock, jobs=[])

    async def job(_: datetime) -> None:
        inner.append(await other.run_due())

    other.jobs.append(Job("long", timedelta(days=1), job))
    first = Scheduler(service="a", db=db, clock=clock, jobs=[Job("long", timedelta(days=1), job)])
    try:
        assert await first.run_due() == ["long"]
        assert inner == [[]]  # the lock was held: the second replica did not run it
    finally:
        await db.dispose()


async def test_app_reports_ready_and_exposes_metrics(kafka_bootstrap, settings):
    app = build_app(toy_spec(ToyHandler()), Runtime(settings))
    async with app.router.lifespan_context(app):
        runtime: Runtime = app.state.runtime
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app), base_url="http://t"
        ) as http:
            assert (await http.get("/healthz")).json()["status"] == "ok"
            await runtime.wait_started()

            async def ready() -> bool:
                return (await http.get("/readyz")).status_code == 200

            await eventually(ready, what="ready")
            body = (await http.get("/readyz")).json()
            assert body["checks"] == {
                "started": True,
                "database": True,
                "broker": True,
                "partitions_assigned": True,
            }
            await publish(kafka_bootstrap, settings, [usage("acct-m", 1)])

            async def counted() -> bool:
                text = (await http.get("/metrics")).text
                sample = (
                    'radar_events_consumed_total{outcome="applied",'
                    f'service="{settings.service_name}",topic="cs.usage.v1"}} 1.0'
                )
                return sample in text

            await eventually(counted, what="metrics")
            text = (await http.get("/metrics")).text
            for name in (
                "radar_event_processing_seconds",
                "radar_consumer_lag",
                "radar_event_age_seconds",
                "radar_outbox_pending",
                "radar_last_processed_timestamp_seconds",
            ):
                assert name in text


async def test_after_commit_callbacks_run_only_when_the_transaction_commits(settings):
    runtime = await start_toy(settings, ToyHandler())
    calls: list[str] = []
    try:
        async with runtime.unit_of_work() as uow:
            uow.after_commit(lambda: calls.append("committed"))
        with pytest.raises(RuntimeError):
            async with runtime.unit_of_work() as uow:
                uow.after_commit(lambda: calls.append("rolled back"))
                raise RuntimeError("abort")
        assert calls == ["committed"]
    finally:
        await runtime.stop()


async def test_service_workers_start_after_boot_and_stop_first(settings):
    events: list[str] = []

    class Recorder:
        async def start(self) -> None:
            events.append(f"start, consumer ready: {runtime.consumer is not None}")

        async def stop(self) -> None:
            events.append("stop")

    spec = dataclasses.replace(toy_spec(ToyHandler()), workers=[Recorder()])
    runtime = Runtime(settings)
    await runtime.start(spec)
    await runtime.wait_started()
    await runtime.stop()
    assert events == ["start, consumer ready: True", "stop"]


async def test_outbox_recovers_from_a_producer_broken_for_good(kafka_bootstrap, settings):
    runtime = await start_toy(settings, ToyHandler())
    topic = settings.topic(HEALTH)
    try:
        first = score_for(usage("acct-desync", 1))
        async with runtime.unit_of_work() as uow:
            uow.emit(first)
        await consume_all(kafka_bootstrap, topic, expect=1)
        # Desynchronise the producer's sequence numbers, as a broker restart can: the
        # broker answers OutOfOrderSequenceNumber and aiokafka never sends again.
        broken = runtime.producer
        assert broken is not None
        partitions = sorted(await broken.partitions_for(topic))
        partition = DefaultPartitioner()(b"acct-desync", partitions, partitions)
        broken._txn_manager.increment_sequence_number(TopicPartition(topic, partition), 5)

        second = score_for(usage("acct-desync", 2, minute=1))
        async with runtime.unit_of_work() as uow:
            uow.emit(second)
        records = await consume_all(kafka_bootstrap, topic, expect=2, timeout=60)
        assert [decode(r.value) for r in records] == [first, second]
        assert runtime.producer is not broken
    finally:
        await runtime.stop()
