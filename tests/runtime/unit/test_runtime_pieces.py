"""Pure pieces of the runtime: settings, topic naming, lock keys, clocks, logs."""

from __future__ import annotations

import json
import logging
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from radar_runtime import Batch, ManualClock, RuntimeSettings, ServiceSpec, routes
from radar_runtime.db import Database, advisory_key
from radar_runtime.kafka import topic_partitions
from radar_runtime.logs import JsonFormatter
from radar_schemas.codec import decode
from radar_schemas.envelope import Envelope
from radar_schemas.examples import EXAMPLES
from radar_schemas.topics import UnknownEventType


def test_shared_settings_come_from_unprefixed_environment(monkeypatch):
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:19092")
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://u@127.0.0.1/db")
    monkeypatch.setenv("RADAR_BATCH_MAX_RECORDS", "42")
    settings = RuntimeSettings()
    assert settings.kafka_bootstrap_servers == "127.0.0.1:19092"
    assert settings.database_url == "postgresql+asyncpg://u@127.0.0.1/db"
    assert settings.batch_max_records == 42


def test_topic_prefix_and_partition_counts():
    settings = RuntimeSettings(
        topic_prefix="x.", raw_topic_partitions=12, derived_topic_partitions=6
    )
    assert settings.topic("cs.usage.v1") == "x.cs.usage.v1"
    assert topic_partitions(settings, ["cs.usage.v1", "cs.alerts.v1"]) == {
        "x.cs.usage.v1": 12,
        "x.cs.usage.v1.dlq": 1,
        "x.cs.alerts.v1": 6,
        "x.cs.alerts.v1.dlq": 1,
    }


def test_group_id_defaults_to_the_service():
    assert RuntimeSettings(service_name="health").group_id == "radar-health"
    assert RuntimeSettings(service_name="health", consumer_group="g").group_id == "g"


def test_advisory_keys_are_stable_signed_64_bit():
    key = advisory_key("health", "job", "daily")
    assert key == advisory_key("health", "job", "daily")
    assert key != advisory_key("renewals", "job", "daily")
    assert -(2**63) <= key < 2**63


def test_schema_names_are_checked():
    with pytest.raises(ValueError, match="invalid schema name"):
        Database("postgresql+asyncpg://u@127.0.0.1/db", 'x"; drop table y; --')


def test_manual_clock_moves_only_when_told():
    clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC))
    assert clock.now() == datetime(2026, 1, 1, tzinfo=UTC)
    clock.advance(timedelta(days=60))
    assert clock.now() == datetime(2026, 3, 2, tzinfo=UTC)


def test_json_log_lines_carry_service_and_extras():
    record = logging.LogRecord("radar", logging.WARNING, __file__, 1, "paused %s", ("now",), None)
    record.partition = 3
    line = json.loads(JsonFormatter("health").format(record))
    assert line["msg"] == "paused now"
    assert line["service"] == "health"
    assert line["level"] == "warning"
    assert line["partition"] == 3


def test_routes_derive_topics_and_refuse_unknown_or_twice_routed_types():
    async def apply(uow: object, events: list[object]) -> None: ...

    spec = ServiceSpec(
        name="x",
        routes=routes(("usage.recorded", apply), (("ticket.opened", "nps.submitted"), apply)),
        emits=("health.scored", "alert.raised"),
    )
    assert spec.consumes == ("cs.support.v1", "cs.usage.v1")
    assert spec.produces == ("cs.alerts.v1", "cs.health.v1")
    with pytest.raises(UnknownEventType):
        routes(("usage.recorde", apply))
    with pytest.raises(ValueError, match="routed twice"):
        routes(("usage.recorded", apply), (("usage.recorded", "nps.submitted"), apply))


async def test_routes_call_each_projector_once_in_declared_order_with_its_events():
    calls: list[tuple[str, list[str]]] = []

    def recorder(name: str):
        async def record(uow: object, events: list[Envelope]) -> None:
            calls.append((name, [e.account_id for e in events]))

        return record

    async def after(uow: object, batch: Batch) -> None:
        calls.append(("after", sorted(batch.types)))

    declared = routes(
        ("ticket.opened", recorder("tickets")),
        ("usage.recorded", recorder("usage")),
        before=after,
        after=after,
    )
    events = [
        _event("usage.recorded", "a"),
        _event("ticket.opened", "b"),
        _event("nps.submitted", "c"),
        _event("usage.recorded", "d"),
    ]
    await declared.apply(None, events)  # type: ignore[arg-type]
    assert calls == [
        ("after", ["ticket.opened", "usage.recorded"]),
        ("tickets", ["b"]),
        ("usage", ["a", "d"]),
        ("after", ["ticket.opened", "usage.recorded"]),
    ]
    calls.clear()
    await declared.apply(None, [_event("nps.submitted", "c")])  # type: ignore[arg-type]
    assert calls == []  # nothing routed: no step runs


def _event(event_type: str, account: str) -> Envelope:
    body = {**EXAMPLES[event_type], "event_id": str(uuid.uuid4()), "account_id": account}
    return decode(json.dumps(body).encode())
