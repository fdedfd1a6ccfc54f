"""OpenAPI descriptions of the bodies the routes read themselves (streamed, size-limited)
and of their answers, so /docs and schema-driven clients and fuzzers see the contract."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from fastapi import FastAPI
from pydantic import BaseModel, Field, TypeAdapter

from .catalog import IngestEvent

_REF = "#/components/schemas/{model}"


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


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    reasons = {
        400: "Malformed JSON",
        401: "Missing or unknown API key, or a bad request signature",
        403: "The key may not send this event type",
        413: "Body larger than 1 MiB",
        415: "Unsupported Content-Encoding",
        422: "Invalid event: field paths and reasons in `details`",
        503: "Broker unavailable: nothing stored; retry after `Retry-After` seconds",
    }
    return {s: {"model": ErrorBody, "description": reasons[s]} for s in statuses}


_EVENT_SCHEMA = TypeAdapter(IngestEvent).json_schema(ref_template=_REF)
_EVENT_DEFS: dict[str, Any] = _EVENT_SCHEMA.pop("$defs", {})
_EVENT_DEFS["IngestEvent"] = _EVENT_SCHEMA
_EVENT_REF = {"$ref": _REF.format(model="IngestEvent")}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


EVENT_BODY = _body(_EVENT_REF)
BATCH_BODY = _body(
    {
        "type": "object",
        "required": ["events"],
        "additionalProperties": False,
        "properties": {"events": {"type": "array", "items": _EVENT_REF, "minItems": 1}},
    }
)
EVENT_RESPONSES = _errors(400, 401, 403, 413, 415, 422, 503)
BATCH_RESPONSES = {
    **_errors(400, 401, 413, 415, 503),
    403: {"model": BatchRefused, "description": "No event in the batch is allowed for the key"},
    422: {"model": BatchRefused, "description": "No valid event in the batch"},
}
SEGMENT_RESPONSES = _errors(400, 401, 403, 413, 415, 422, 503)

SECURITY_SCHEMES = {
    "apiKey": {"type": "http", "scheme": "bearer", "description": "An API key of a source"},
    "segmentWriteKey": {
        "type": "http",
        "scheme": "basic",
        "description": "Segment SDKs: the API key as user name, empty password",
    },
}


def install_openapi(app: FastAPI) -> None:
    """Add the event schemas and security schemes to the generated document."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()
        components = schema.setdefault("components", {})
        components.setdefault("schemas", {}).update(_EVENT_DEFS)
        components["securitySchemes"] = SECURITY_SCHEMES
        for path, operations in schema.get("paths", {}).items():
            for operation in operations.values():
                if path.startswith("/v1/segment"):
                    operation["security"] = [{"segmentWriteKey": []}, {"apiKey": []}]
                elif path.startswith("/v1/events"):
                    operation["security"] = [{"apiKey": []}]
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
