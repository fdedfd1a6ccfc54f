"""The event types source systems may send: the catalog's raw-topic types, nothing derived."""

from __future__ import annotations

import functools
from typing import Annotated, Any, Union

from pydantic import Field, TypeAdapter

from radar_schemas import EVENT_MODELS, Envelope
from radar_schemas.examples import EXAMPLES
from radar_schemas.topics import RAW_TOPICS, topic_for

# Derived events (health.scored, alert.raised, ...) are written by the services'
# outboxes; accepting them over REST would let a source forge scores and alerts.
INGEST_MODELS: dict[str, type[Envelope]] = {
    event_type: model
    for event_type, model in EVENT_MODELS.items()
    if topic_for(event_type) in RAW_TOPICS
}
INGEST_TYPES: tuple[str, ...] = tuple(INGEST_MODELS)

# Built from the catalog so a new raw type needs no change here; hence typed as Any.
_ANY_INGEST_MODEL: Any = Union[tuple(INGEST_MODELS.values())]  # noqa: UP007
IngestEvent: Any = Annotated[_ANY_INGEST_MODEL, Field(discriminator="type")]
# Built once: building a validator costs far more than running it.
EVENT_ADAPTER: TypeAdapter[Envelope] = TypeAdapter(IngestEvent)


def type_label(event_type: object) -> str:
    # Metric labels must stay bounded: never echo what a client made up.
    return event_type if isinstance(event_type, str) and event_type in INGEST_TYPES else "unknown"


def unknown_type_reason(event_type: object) -> str:
    return f"unknown event type {event_type!r}; valid types: {', '.join(INGEST_TYPES)}"


@functools.cache
def event_type_catalog() -> list[dict[str, Any]]:
    """Each accepted type with its topic, JSON Schema and a valid example."""
    return [
        {
            "type": event_type,
            "topic": topic_for(event_type),
            "schema": model.model_json_schema(),
            "example": EXAMPLES[event_type],
        }
        for event_type, model in INGEST_MODELS.items()
    ]
