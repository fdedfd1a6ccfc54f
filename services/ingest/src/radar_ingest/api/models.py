"""Response models: what the routes answer, as /docs and schema-driven clients see it."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field


class FieldProblem(BaseModel):
    field: str
    reason: str


class ErrorBody(BaseModel):
    error: str
    details: list[FieldProblem]


class EventAccepted(BaseModel):
    event_id: UUID
    topic: str


class BatchItemAccepted(BaseModel):
    index: int
    event_id: UUID


class BatchItemRejected(BaseModel):
    index: int
    details: list[FieldProblem]


class BatchAccepted(BaseModel):
    accepted: list[BatchItemAccepted]
    rejected: list[BatchItemRejected]


class BatchRefused(ErrorBody):
    rejected: list[BatchItemRejected]


class EventType(BaseModel):
    type: str
    topic: str
    schema_: dict[str, Any] = Field(alias="schema", description="JSON Schema of the event")
    example: dict[str, Any]
