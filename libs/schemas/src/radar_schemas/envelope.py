"""The envelope every event travels in; each event type narrows `type` and `payload`."""

from typing import Annotated, Any, Literal
from uuid import UUID, uuid4

from pydantic import ConfigDict, Field, StringConstraints

from radar_schemas.common import PLAIN_PATTERN, Contract, Id, Instant, Payload


def _type_is_required(schema: dict[str, Any]) -> None:
    # `type` has a default for Python callers, but a client must always send it.
    required = schema.setdefault("required", [])
    if isinstance(required, list) and "type" not in required:
        required.insert(0, "type")


class Envelope(Contract):
    """Fields common to every event; subclasses fix `type` and the payload model."""

    model_config = ConfigDict(json_schema_extra=_type_is_required)

    event_id: UUID = Field(
        default_factory=uuid4,
        description="Idempotency key: the same id sent twice is processed once.",
    )
    type: str
    schema_version: Literal[1] = 1
    occurred_at: Instant = Field(
        description="When it happened, RFC 3339 with a timezone offset; windows use it."
    )
    account_id: Id = Field(description="The customer account; the Kafka key on every topic.")
    source: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=128, pattern=PLAIN_PATTERN)
    ] = Field(
        default="",
        description="Set by ingest from the API key; any value sent is overwritten.",
    )
    received_at: Instant | None = Field(
        default=None, description="Set by ingest; any value sent is overwritten."
    )
    payload: Payload
