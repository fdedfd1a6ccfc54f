"""The runtime's delivery guarantees, against a real Kafka broker and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest
from prometheus_client import REGISTRY

from radar_runtime import RuntimeSettings
from radar_runtime.testing.helpers import consume_all, eventually, publish
from radar_schemas.codec import decode
from radar_schemas.topics import HEALTH, USAGE, dlq_topic

from .toy import ToyHandler, expected_state, read_state, renamed, start_toy, usage

pytestmark = [pytest.mark.integration, pytest.mark.timeout(180)]


def consumed(settings: RuntimeSettings, outcome: str, topic: str = USAGE) -> float:
    value = REGISTRY.get_sample_value(
        "radar_events_consumed_total",
        {"service": settings.service_name, "topic": topic, "outcome": outcome},
    )
    return value or 0.0


async def caught_up(runtime, events):
    want = expected_state(events)

    async def check():
        return await read_state(runtime) == want

    return check


async def test_same_event_ids_published_twice_are_applied_once(kafka_bootstrap, settings):
    events = [usage(f"acct-{i % 7}", i) for i in range(200)]
    runtime = await start_toy(settings, ToyHandler())
    try:
        await publish(kafka_bootstrap, settings, events)
        await publish(kafka_bootstrap, settings, events)
        await eventually(lambda: _seen(settings, 400), what="both copies consumed")
        assert await read_state(runtime) == expected_state(events)
        assert consumed(settings, "applied") == 200
        assert consumed(settings, "duplicate") == 200
    finally:
        await runtime.stop()


async def test_the_same_event_id_from_two_sources_names_two_events(kafka_bootstrap, settings):
    from_usage = [
        usage("acct-a", 1, minute=i).model_copy(update={"source": "product"}) for i in range(5)
    ]
    from_crm = [e.model_copy(update={"source": "crm"}) for e in from_usage]
    runtime = await start_toy(settings, ToyHandler())
    try:
        await publish(kafka_bootstrap, settings, from_usage + from_crm + from_crm)
        await eventually(lambda: _seen(settings, 15), what="all copies consumed")
        assert (await read_state(runtime))["acct-a"].events == 10
        assert consumed(settings, "applied") == 10
        assert consumed(settings, "duplicate") == 5
    finally:
        await runtime.stop()


async def _seen(settings: RuntimeSettings, count: int) -> bool:
    return consumed(settings, "applied") + consumed(settings, "duplicate") >= count


async def test_crash_between_db_commit_and_offset_commit_applies_each_event_once(
    kafka_bootstrap, settings
):
    events = [usage(f"acct-{i % 5}", 1 + i % 3) for i in range(300)]
    handler = ToyHandler()
    first = await start_toy(settings, handler)
    crashed = asyncio.Event()

    async def crash() -> None:
        # The database transaction is committed; the offsets are not.
        crashed.set()
        raise asyncio.CancelledError

    assert first.consumer is not None
    first.consumer.after_db_commit = crash
    await publish(kafka_bootstrap, settings, events)
    await asyncio.wait_for(crashed.wait(), 60)
    await first.stop()
    applied_before_restart = await read_state(first)
    assert sum(s.events for s in applied_before_restart.values()) > 0

    second = await start_toy(settings, handler)
    try:
        await eventually(await caught_up(second, events), what="all events applied")
        assert await read_state(second) == expected_state(events)
        await eventually(lambda: _seen(settings, len(events)), what="replay counted")
        # Exactly the batch applied before the crash was replayed and recognised.
        replayed = sum(s.events for s in applied_before_restart.values())
        assert consumed(settings, "duplicate") == replayed
        assert consumed(settings, "applied") == len(events) - replayed
    finally:
        await second.stop()


async def test_undecodable_record_goes_to_dlq_and_the_rest_is_applied(kafka_bootstrap, settings):
    good = [usage("acct-a", 2), usage("acct-b", 3)]
    runtime = await start_toy(settings, ToyHandler())
    try:
        await publish(kafka_bootstrap, settings, good[:1], raw=[(USAGE, "acct-a", b"{not json")])
        await publish(kafka_bootstrap, settings, good[1:])
        await eventually(await caught_up(runtime, good), what="good events applied")
        [dead] = await consume_all(kafka_bootstrap, dlq_topic(settings.topic(USAGE)), expect=1)
        headers = dict(dead.headers)
        assert dead.value == b"{not json"
        assert headers["original_topic"] == settings.topic(USAGE).encode()
        assert headers["original_offset"] == b"1"  # after acct-a's event, same partition
        assert headers["error"].startswith(b"undecodable")
        # Counted once the batch's offsets are committed, just after the dead letter.
        await eventually(lambda: _seen_all(settings, len(good) + 1), what="dead letter counted")
        assert consumed(settings, "dead_lettered") == 1
        assert consumed(settings, "duplicate") == 0
    finally:
        await runtime.stop()


async def test_records_the_handler_rejects_go_to_dlq_at_once(kafka_bootstrap, settings):
    events = [usage(f"acct-{i % 4}", 1) for i in range(40)]
    events += [usage(f"poison-{i}", 9) for i in range(25)]
    handler = ToyHandler(fail_accounts={f"poison-{i}" for i in range(25)})
    runtime = await start_toy(settings, handler)
    retries = _retries(settings)
    try:
        await publish(kafka_bootstrap, settings, events)
        good = [e for e in events if not e.account_id.startswith("poison")]
        await eventually(await caught_up(runtime, good), what="good events applied")
        dead = await consume_all(kafka_bootstrap, dlq_topic(settings.topic(USAGE)), expect=25)
        assert {decode(d.value).account_id for d in dead} == {f"poison-{i}" for i in range(25)}
        assert all(dict(d.headers)["error"].startswith(b"handler failed") for d in dead)
        assert not {a for a in await read_state(runtime) if a.startswith("poison")}
        # A failure no retry can fix is not retried: the batch is halved at once.
        assert _retries(settings) == retries
        await eventually(lambda: _seen_all(settings, 65), what="every record counted")
        assert consumed(settings, "dead_lettered") == 25
        assert consumed(settings, "applied") == 40
        assert consumed(settings, "duplicate") == 0
    finally:
        await runtime.stop()


async def test_transient_failures_are_retried_and_applied(kafka_bootstrap, settings):
    class Flaky(ToyHandler):
        failures_left = 2

        async def __call__(self, uow, events):
            if self.failures_left:
                self.failures_left -= 1
                raise ConnectionResetError("connection reset by peer")
            await super().__call__(uow, events)

    events = [usage(f"acct-{i % 3}", 1) for i in range(30)]
    retries = _retries(settings)
    runtime = await start_toy(settings, Flaky())
    try:
        await publish(kafka_bootstrap, settings, events)
        await eventually(await caught_up(runtime, events), what="all events applied")
        assert _retries(settings) == retries + 2
        assert consumed(settings, "dead_lettered") == 0
    finally:
        await runtime.stop()


def _retries(settings: RuntimeSettings) -> float:
    value = REGISTRY.get_sample_value(
        "radar_handler_retries_total", {"service": settings.service_name}
    )
    return value or 0.0


async def _seen_all(settings: RuntimeSettings, count: int) -> bool:
    outcomes = ("applied", "duplicate", "dead_lettered")
    return sum(consumed(settings, o) for o in outcomes) >= count


async def test_emitting_handler_that_rolls_back_publishes_nothing(kafka_bootstrap, settings):
    rejected = usage("poison", 1)
    accepted = usage("acct-ok", 1, minute=1)
    runtime = await start_toy(settings, ToyHandler(fail_accounts={"poison"}, emit_scores=True))
    try:
        await publish(kafka_bootstrap, settings, [rejected])
        await consume_all(kafka_bootstrap, dlq_topic(settings.topic(USAGE)), expect=1)
        # Published after the rejected one: once its score is out, an emission from
        # the rolled-back transaction would have been out before it (the outbox is ordered).
        await publish(kafka_bootstrap, settings, [accepted])
        await consume_all(kafka_bootstrap, settings.topic(HEALTH), expect=1)
        scores = await consume_all(kafka_bootstrap, settings.topic(HEALTH), expect=2, timeout=2)
        assert [decode(r.value).account_id for r in scores] == ["acct-ok"]
    finally:
        await runtime.stop()


async def test_two_consumers_one_stopped_mid_stream_apply_each_event_once(
    kafka_bootstrap, settings
):
    events = [usage(f"acct-{i % 97}", 1 + i % 5) for i in range(6000)]
    events += [renamed(f"acct-{i}", f"Name {i}", minute=i) for i in range(97)]
    handler = ToyHandler()
    one = await start_toy(settings, handler)
    two = await start_toy(settings, handler)
    try:
        await eventually(_both_assigned(one, two), what="both members assigned")
        await publish(kafka_bootstrap, settings, events)

        async def some_progress() -> bool:
            state = await read_state(one)
            return sum(s.events for s in state.values()) > 500

        await eventually(some_progress, what="some events applied")
        await two.stop()
        await eventually(await caught_up(one, events), what="all events applied once")
        assert await read_state(one) == expected_state(events)
    finally:
        await one.stop()
        await two.stop()


def _both_assigned(one, two):
    async def check() -> bool:
        return bool(one.consumer.assigned) and bool(two.consumer.assigned)

    return check
