"""OpenAPI descriptions of the bodies the routes read themselves (streamed, size-limited)
and of their answers, so /docs and schema-driven clients and fuzzers see the contract."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, TypeAdapter

from radar_runtime.errors import ErrorBody

from ..domain.catalog import IngestEvent
from .models import BatchRefused, SdkAccepted, SdkError, Unavailable

_REF = "#/components/schemas/{model}"

_REASONS = {
    400: "Malformed JSON, or a body that is not valid gzip",
    401: "Missing or unknown API key, or a bad request signature",
    403: "The key may not send this event type",
    413: "Body too large",
    415: "Unsupported Content-Encoding",
    422: "Invalid: field paths and reasons in `error.details`",
    429: "The key is over its quota: nothing stored; retry after `Retry-After` seconds",
    503: "Broker unavailable: the body says which events were stored; resend the same "
    "body after `Retry-After` seconds (what was stored is not counted twice)",
}
_RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}}


def _errors(*statuses: int, model: type[BaseModel] = ErrorBody) -> dict[int | str, dict[str, Any]]:
    answers: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        answer: dict[str, Any] = {
            "model": Unavailable if status == 503 and model is ErrorBody else model,
            "description": _REASONS[status],
        }
        if status in (429, 503):
            answer["headers"] = _RETRY_AFTER
        answers[status] = answer
    return answers


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
EVENT_RESPONSES = _errors(400, 401, 403, 413, 415, 422, 429, 503)
BATCH_RESPONSES = {
    **_errors(400, 401, 413, 415, 429, 503),
    403: {"model": BatchRefused, "description": "No event in the batch is allowed for the key"},
    422: {"model": BatchRefused, "description": "No valid event in the batch"},
}
SDK_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": SdkAccepted, "description": "At least one message taken; a result each"},
    **_errors(400, 401, 403, 413, 415, 422, 429, 503, model=SdkError),
}

IDEMPOTENCY_HEADER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Names the request: events sent without an event_id get ids derived "
    "from the source, this key and their position (UUIDv5), so a retried request is "
    "deduplicated downstream. Without it the body's SHA-256 names the request. "
    "An event_id in the body wins.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}
_MESSAGE = {
    "type": "object",
    "description": "A Segment call: track, identify, group, page, screen or alias",
    "properties": {
        "type": {
            "type": "string",
            "enum": ["track", "identify", "group", "page", "screen", "alias"],
        },
        "event": {"type": "string"},
        "name": {"type": "string"},
        "messageId": {"type": "string"},
        "userId": {"type": "string"},
        "anonymousId": {"type": "string"},
        "groupId": {"type": "string"},
        "previousId": {"type": "string"},
        "timestamp": {"type": "string", "format": "date-time"},
        "sentAt": {"type": "string", "format": "date-time"},
        "context": {"type": "object"},
        "properties": {"type": "object"},
        "traits": {"type": "object"},
    },
}
SDK_CALL_BODY = _body(
    {**_MESSAGE, "properties": {**_MESSAGE["properties"], "writeKey": {"type": "string"}}}
)
SDK_BATCH_BODY = _body(
    {
        "type": "object",
        "description": "A batch of Segment calls",
        "required": ["batch"],
        "properties": {
            "batch": {"type": "array", "items": _MESSAGE, "minItems": 1},
            "sentAt": {"type": "string", "format": "date-time"},
            "context": {"type": "object"},
            "writeKey": {"type": "string"},
        },
    }
)

SECURITY_SCHEMES = {
    "apiKey": {"type": "http", "scheme": "bearer", "description": "An API key of a source"},
    "writeKey": {
        "type": "http",
        "scheme": "basic",
        "description": "Segment and RudderStack SDKs: the API key as user name, empty password "
        "(or `writeKey` in the body)",
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
                if path.startswith("/v1/events"):
                    operation["security"] = [{"apiKey": []}]
                elif operation.get("tags") == ["segment"]:
                    operation["security"] = [{"writeKey": []}, {"apiKey": []}]
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
