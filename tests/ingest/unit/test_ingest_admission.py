"""Validation, refusals, stamping and encoding of events, without a broker."""

from __future__ import annotations

import copy
import gzip
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiokafka.partitioner import DefaultPartitioner
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from radar_ingest.api.body import decode_body
from radar_ingest.domain.admission import Admission, RequestIds, idempotent_id
from radar_ingest.domain.auth import ApiKey, hash_key
from radar_ingest.domain.catalog import EVENT_ADAPTER, INGEST_TYPES, event_type_catalog
from radar_ingest.domain.errors import ClientError
from radar_ingest.domain.validation import InvalidItem, explain
from radar_ingest.main import bootstrap
from radar_ingest.settings import IngestSettings
from radar_ingest.store.broker import key_slot
from radar_schemas import codec
from radar_schemas.examples import EXAMPLES

NOW = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)
DESK = ApiKey("desk", hash_key("k"), ("ticket.", "csat."))
EVERYTHING = ApiKey("all", hash_key("a"), tuple(t.split(".")[0] + "." for t in INGEST_TYPES))


def admission(**settings: Any) -> Admission:
    """As the service builds it, topics included."""
    return bootstrap(IngestSettings(topic_prefix="t.", **settings)).admission


def example(event_type: str, **changes: Any) -> dict[str, Any]:
    event = copy.deepcopy(EXAMPLES[event_type])
    event.update(changes)
    return event


def test_ingest_accepts_exactly_the_raw_topic_types() -> None:
    assert set(INGEST_TYPES) == {
        "usage.recorded",
        "ticket.opened",
        "ticket.updated",
        "ticket.closed",
        "csat.submitted",
        "nps.submitted",
        "account.upserted",
        "subscription.upserted",
        "subscription.cancelled",
        "renewal.opportunity_updated",
        "renewal.booked",
        "engagement.logged",
        "contact.changed",
        "contact.identified",
    }


def test_every_catalog_example_validates() -> None:
    for entry in event_type_catalog():
        event = EVENT_ADAPTER.validate_python(entry["example"])
        assert event.type == entry["type"]


def test_unknown_type_reason_lists_only_what_ingest_accepts() -> None:
    with pytest.raises(ValidationError) as raised:
        EVENT_ADAPTER.validate_json(json.dumps(example("health.scored")))
    [detail] = explain(raised.value)
    assert detail["field"] == "type"
    assert detail["reason"] == (
        "unknown event type 'health.scored'; valid types: " + ", ".join(INGEST_TYPES)
    )


def test_batch_items_are_judged_one_by_one() -> None:
    body = {
        "events": [
            example("ticket.opened"),
            example("ticket.opened", payload={"ticket_id": "T", "priority": "meh", "status": "x"}),
            42,
            example("ticket.opened", type="ticket.lost"),
        ]
    }
    events = admission().batches.read(json.dumps(body).encode())
    assert events[0].type == "ticket.opened"
    assert isinstance(events[1], InvalidItem)
    assert events[1].event_type == "ticket.opened"
    assert events[1].details[0]["field"] == "payload.priority"
    assert isinstance(events[2], InvalidItem)
    assert events[2].event_type == "unknown"
    assert isinstance(events[3], InvalidItem)
    assert events[3].event_type == "unknown"  # never a client-made metric label
    assert "valid types: usage.recorded" in events[3].details[0]["reason"]


def test_batch_size_is_a_setting() -> None:
    body = json.dumps({"events": [example("ticket.opened")] * 3}).encode()
    with pytest.raises(ClientError) as raised:
        admission(max_batch_events=2).batches.read(body)
    error = raised.value
    assert error.status == 422
    assert error.details == [{"field": "events", "reason": "at most 2 events per batch, got 3"}]


def test_malformed_batch_json_is_400() -> None:
    with pytest.raises(ClientError) as raised:
        admission().batches.read(b'{"events": [')
    assert raised.value.status == 400


def valid(event_type: str, **changes: Any) -> Any:
    return EVENT_ADAPTER.validate_json(json.dumps(example(event_type, **changes)))


def test_types_outside_the_keys_prefixes_are_refused_with_403() -> None:
    refusal = admission().refusal(valid("usage.recorded"), DESK, NOW)
    assert refusal is not None
    status, details = refusal
    assert status == 403
    assert details[0]["reason"] == (
        "source 'desk' may not send usage.recorded (allowed: ticket., csat.)"
    )


@pytest.mark.parametrize(
    ("ahead", "refused"),
    [(-86400 * 400, False), (0, False), (300, False), (300.001, True), (86400, True)],
)
def test_occurred_at_at_most_five_minutes_ahead(ahead: float, refused: bool) -> None:
    moment = (NOW + timedelta(seconds=ahead)).isoformat()
    result = admission().refusal(valid("ticket.opened", occurred_at=moment), DESK, NOW)
    assert (result is not None) == refused
    if refused:
        assert result is not None
        assert result[0] == 422
        assert result[1][0]["field"] == "occurred_at"


def test_the_future_tolerance_is_a_setting() -> None:
    moment = (NOW + timedelta(seconds=30)).isoformat()
    event = valid("ticket.opened", occurred_at=moment)
    assert admission(max_future_seconds=10).refusal(event, DESK, NOW) is not None


def test_future_check_compares_instants_across_offsets() -> None:
    # 13:04 at +01:00 is 12:04 UTC: four minutes ahead, accepted.
    event = valid("ticket.opened", occurred_at="2025-03-03T13:04:00+01:00")
    assert admission().refusal(event, DESK, NOW) is None


def test_stamping_sets_source_and_received_at_over_anything_sent() -> None:
    event = valid("ticket.opened", source="spoofed", received_at="2020-01-01T00:00:00Z")
    stamped = admission().stamp(event, DESK, NOW)
    assert stamped.source == "desk"
    assert stamped.received_at == NOW
    assert stamped.event_id == event.event_id
    record = admission().record(stamped)
    assert record.topic == "t.cs.support.v1"
    assert record.key == b"acct-0042"
    assert codec.decode(record.value) == stamped


def test_idempotency_ids_are_uuid5_per_source_and_key() -> None:
    assert idempotent_id("crm", "k1") == idempotent_id("crm", "k1")
    assert idempotent_id("crm", "k1") != idempotent_id("desk", "k1")
    assert idempotent_id("crm", "k1") != idempotent_id("crm", "k2")
    assert idempotent_id("crm", "k1").version == 5
    stamped = admission().stamp(valid("ticket.opened"), DESK, NOW, idempotent_id("desk", "k"))
    assert stamped.event_id == uuid.uuid5(
        uuid.UUID("0b7e4d1a-9c3f-5e62-8a41-6d2b9f0c5e13"), "desk\nk"
    )


def test_gzip_bodies_are_inflated_within_the_limit() -> None:
    assert decode_body(gzip.compress(b"hello"), "gzip", 100) == b"hello"
    assert decode_body(b"plain", None, 100) == b"plain"
    assert decode_body(b"plain", "identity", 100) == b"plain"


@pytest.mark.parametrize(
    ("raw", "encoding", "status"),
    [
        (gzip.compress(b"x" * 101, mtime=0), "gzip", 413),
        (b"not gzip", "gzip", 400),
        (gzip.compress(b"hello", mtime=0)[:-6], "gzip", 400),
        (b"x", "br", 415),
    ],
)
def test_bad_encodings_are_client_errors(raw: bytes, encoding: str, status: int) -> None:
    with pytest.raises(ClientError) as raised:
        decode_body(raw, encoding, 100)
    assert raised.value.status == status


@given(st.binary(min_size=1, max_size=64), st.integers(min_value=1, max_value=64))
def test_batch_partitioning_matches_kafkas_default_partitioner(key: bytes, count: int) -> None:
    partitions = list(range(count))
    assert key_slot(key, count) == DefaultPartitioner()(key, partitions, partitions)


def test_request_ids_are_the_same_for_the_same_request_and_differ_by_position() -> None:
    body = b'{"events": []}'
    first, again = RequestIds("crm", body), RequestIds("crm", body)
    assert first.item(0) == again.item(0)
    assert first.item(0) != first.item(1)
    assert RequestIds("desk", body).item(0) != first.item(0)
    assert RequestIds("crm", body + b" ").item(0) != first.item(0)
    keyed = RequestIds("crm", body, "order-42")
    assert keyed.item(3) == RequestIds("crm", b"another body", "order-42").item(3)
    # A single event with an Idempotency-Key keeps the id it always had.
    assert keyed.single() == idempotent_id("crm", "order-42")
