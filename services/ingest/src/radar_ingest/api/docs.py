"""OpenAPI descriptions of the bodies the routes read themselves (streamed, size-limited)
and of their answers, so /docs and schema-driven clients and fuzzers see the contract."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from pydantic import TypeAdapter

from ..domain.catalog import IngestEvent
from .models import BatchRefused, ErrorBody

_REF = "#/components/schemas/{model}"


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

IDEMPOTENCY_HEADER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Single events only: the same key from the same source gives the same "
    "event_id (UUIDv5), so a retried request is deduplicated downstream. "
    "An event_id in the body wins over it.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}
SEGMENT_TRACK_BODY = _body(
    {
        "type": "object",
        "description": "A Segment track call",
        "required": ["event"],
        "properties": {
            "type": {"type": "string", "enum": ["track"]},
            "event": {"type": "string"},
            "messageId": {"type": "string"},
            "userId": {"type": "string"},
            "timestamp": {"type": "string", "format": "date-time"},
            "sentAt": {"type": "string", "format": "date-time"},
            "context": {"type": "object"},
            "properties": {"type": "object"},
        },
    }
)
SEGMENT_BATCH_BODY = _body(
    {
        "type": "object",
        "description": "A Segment batch: track calls are ingested, "
        "identify/group/page/screen/alias acknowledged and ignored",
        "required": ["batch"],
        "properties": {
            "batch": {"type": "array", "items": {"type": "object"}},
            "sentAt": {"type": "string", "format": "date-time"},
            "context": {"type": "object"},
        },
    }
)

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
