"""Bytes on the wire <-> event models: compact JSON, validated on the way in."""

from pydantic import TypeAdapter

from radar_schemas.envelope import Envelope
from radar_schemas.events import EVENT_MODELS, Event

# Built once: constructing the validator is the expensive part.
EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)


def encode(event: Envelope) -> bytes:
    """Serialize a concrete event to compact JSON."""
    # Only catalog models can be decoded again; refuse anything else early.
    if EVENT_MODELS.get(event.type) is not type(event):
        raise TypeError(f"{type(event).__name__} is not a contract event model")
    return event.__pydantic_serializer__.to_json(event)


def decode(data: bytes | str) -> Event:
    """Parse and validate one event; raises `pydantic.ValidationError`."""
    return EVENT_ADAPTER.validate_json(data)
