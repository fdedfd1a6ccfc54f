import json
from datetime import UTC, datetime

import pytest

from radar_schemas import (
    EVENT_MODELS,
    EVENT_TYPES,
    Envelope,
    Payload,
    UsageRecorded,
    UsageRecordedEvent,
    decode,
    encode,
)
from radar_schemas.examples import EXAMPLES


def test_every_type_has_one_example() -> None:
    assert tuple(EXAMPLES) == EVENT_TYPES


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_example_round_trips_exactly(event_type: str) -> None:
    event = decode(json.dumps(EXAMPLES[event_type]))
    assert type(event) is EVENT_MODELS[event_type]

    wire = encode(event)
    again = decode(wire)

    assert again == event
    assert encode(again) == wire


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_every_sent_value_comes_back(event_type: str) -> None:
    sent = EXAMPLES[event_type]
    received = json.loads(encode(decode(json.dumps(sent))))
    assert _sent_values(received, sent) == sent


def _sent_values(received: object, sent: object) -> object:
    """`received` cut down to what was sent: defaults the client omitted are dropped."""
    if isinstance(sent, dict) and isinstance(received, dict):
        return {key: _sent_values(received.get(key), value) for key, value in sent.items()}
    if isinstance(sent, list) and isinstance(received, list):
        return [_sent_values(r, s) for r, s in zip(received, sent, strict=False)]
    return received


def test_encode_is_compact_json() -> None:
    wire = encode(decode(json.dumps(EXAMPLES["alert.raised"])))
    compact = json.dumps(json.loads(wire), separators=(",", ":"), ensure_ascii=False)
    assert wire == compact.encode()


def test_ingest_fields_round_trip() -> None:
    received_at = datetime(2025, 3, 3, 9, 15, 1, 123456, tzinfo=UTC)
    event = decode(json.dumps(EXAMPLES["usage.recorded"])).model_copy(
        update={"source": "product-analytics", "received_at": received_at}
    )
    again = decode(encode(event))
    assert again.source == "product-analytics"
    assert again.received_at == received_at
    assert again == event


def test_decode_accepts_str_and_bytes() -> None:
    text = json.dumps(EXAMPLES["nps.submitted"])
    assert decode(text) == decode(text.encode())


def test_offset_is_kept() -> None:
    raw = {**EXAMPLES["engagement.logged"], "occurred_at": "2025-03-03T11:15:00+02:00"}
    wire = encode(decode(json.dumps(raw)))
    assert json.loads(wire)["occurred_at"] == "2025-03-03T11:15:00+02:00"


def test_python_built_event_gets_id_and_round_trips() -> None:
    event = UsageRecordedEvent(
        occurred_at=datetime(2025, 1, 1, tzinfo=UTC),
        account_id="acct-1",
        payload=UsageRecorded(metric="logins", quantity=3),
    )
    assert event.type == "usage.recorded"
    assert event.event_id.version == 4
    assert decode(encode(event)) == event


def test_encode_refuses_the_bare_envelope() -> None:
    bare = Envelope(
        type="usage.recorded",
        occurred_at=datetime(2025, 1, 1, tzinfo=UTC),
        account_id="acct-1",
        payload=Payload(),
    )
    with pytest.raises(TypeError, match="not a contract event model"):
        encode(bare)
