"""Response models: what the routes answer, as /docs and schema-driven clients see it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from radar_runtime.errors import ErrorBody, ErrorDetail


class EventAccepted(BaseModel):
    event_id: UUID
    topic: str


class BatchItemAccepted(BaseModel):
    index: int
    event_id: UUID


class BatchItemRejected(BaseModel):
    index: int
    details: list[ErrorDetail]


class BatchAccepted(BaseModel):
    accepted: list[BatchItemAccepted]
    rejected: list[BatchItemRejected]


class BatchRefused(ErrorBody):
    """No item could be stored: each is listed with its problems (none when the body as
    a whole could not be read)."""

    rejected: list[BatchItemRejected] = Field(default_factory=list)


class Unavailable(ErrorBody):
    """A 503: the events of the request that were stored all the same, and those that
    were not; resending the same body stores the rest and counts none twice."""

    stored: list[dict[str, Any]] = Field(default_factory=list)
    not_stored: list[dict[str, Any]] = Field(default_factory=list)


class SdkError(Unavailable):
    """Segment's and RudderStack's SDKs read `code` and `message` at the top level."""

    code: str
    message: str
    rejected: list[BatchItemRejected] = Field(default_factory=list)


class SdkItemAccepted(BaseModel):
    index: int
    type: str = Field(description="the call: track, identify, group, page, screen or alias")
    event_id: UUID | None = Field(
        None, description="the event it became; group and alias calls become no event"
    )


class SdkAccepted(BaseModel):
    success: bool = Field(description="true when every message was taken")
    accepted: list[SdkItemAccepted]
    rejected: list[BatchItemRejected]


class EventType(BaseModel):
    type: str
    topic: str
    schema_: dict[str, Any] = Field(alias="schema", description="JSON Schema of the event")
    example: dict[str, Any]
