"""OpenAPI descriptions of the bodies the routes read themselves (streamed, size-limited)
and of their answers, so /docs and schema-driven clients and fuzzers see the contract."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, TypeAdapter

from radar_runtime.errors import ErrorBody
from radar_schemas.common import EMAIL_PATTERN, NAME_PATTERN, PLAIN_PATTERN, QUANTITY_MAX

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
_ID = {
    "type": ["string", "number"],
    "maxLength": 128,
    "pattern": NAME_PATTERN,
    "description": "a string or a number",
}
_NAMED = {"type": "string", "pattern": "[A-Za-z0-9]", "description": "holds a letter or digit"}
_COMMON: dict[str, Any] = {
    "messageId": _ID,
    "userId": _ID,
    "anonymousId": _ID,
    "timestamp": {"type": "string", "format": "date-time"},
    "originalTimestamp": {"type": "string", "format": "date-time"},
    "sentAt": {"type": "string", "format": "date-time"},
    "context": {"type": "object"},
}
_ACCOUNT = (
    "The account: `context.groupId` (or the CRM account a group call mapped that group to), "
    "else `{}.account_id`, else the account an earlier group call put the user in."
)


def _context(**fields: Any) -> dict[str, Any]:
    return {"type": "object", "properties": {"groupId": _ID, **fields}}


def _properties(**fields: Any) -> dict[str, Any]:
    return {"type": "object", "properties": {"account_id": _ID, **fields}}


_VIEW: tuple[dict[str, Any], list[str]] = (
    {
        "description": _ACCOUNT.format("properties"),
        "name": {"type": "string"},
        "context": _context(),
        "properties": _properties(name={"type": "string"}),
    },
    [],
)
_CALL_FIELDS: dict[str, tuple[dict[str, Any], list[str]]] = {
    "track": (
        {
            "description": _ACCOUNT.format("properties"),
            "event": {**_NAMED, "maxLength": 2000},
            "context": _context(),
            "properties": _properties(
                quantity={"type": "number", "minimum": 0, "maximum": QUANTITY_MAX},
                metric=_NAMED,
                feature={"type": "string", "maxLength": 128, "pattern": PLAIN_PATTERN},
            ),
        },
        ["event"],
    ),
    "page": _VIEW,
    "screen": _VIEW,
    "identify": (
        {
            "description": _ACCOUNT.format("traits"),
            "context": _context(traits={"type": "object"}),
            "traits": {
                "type": "object",
                "properties": {
                    "name": {"type": "string", "maxLength": 256, "pattern": PLAIN_PATTERN},
                    "email": {"type": "string", "maxLength": 254, "pattern": EMAIL_PATTERN},
                    "role": {"type": "string"},
                    "account_id": _ID,
                },
            },
        },
        ["userId"],
    ),
    "group": (
        {
            "groupId": _ID,
            "traits": {
                "type": "object",
                "description": "`account_id`: the CRM account the group stands for",
                "properties": {"account_id": _ID},
            },
        },
        ["groupId"],
    ),
    "alias": ({"previousId": _ID}, ["previousId", "userId"]),
}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """Optional fields may be null (SDKs send unset fields so): every property that is not
    required accepts null too, at every depth."""
    properties = schema.get("properties")
    if not properties:
        return schema
    required = set(schema.get("required", ()))
    nested = {name: _nullable(dict(field)) for name, field in properties.items()}
    for name, field in nested.items():
        kinds = field.get("type")
        if name not in required and kinds is not None:
            kinds = kinds if isinstance(kinds, list) else [kinds]
            field["type"] = [*kinds, "null"]
            if "enum" in field:
                field["enum"] = [*field["enum"], None]
    return {**schema, "properties": nested}


def sdk_message(call: str | None = None) -> dict[str, Any]:
    """A Segment message as documented for one call type, or any of them."""
    if call is None:
        return {"type": "object", "oneOf": [sdk_message(c) for c in _CALL_FIELDS]}
    fields, required = _CALL_FIELDS[call]
    fields = dict(fields)
    message: dict[str, Any] = {
        "type": "object",
        "description": fields.pop("description", f"A {call} call"),
        "required": ["type", *required],
        "properties": {"type": {"type": "string", "enum": [call]}, **_COMMON, **fields},
    }
    if call == "group":
        message["anyOf"] = [
            {"required": [field], "properties": {field: {"type": ["string", "number"]}}}
            for field in ("userId", "anonymousId")
        ]
    return _nullable(message)


def sdk_call_body(call: str) -> dict[str, Any]:
    message = sdk_message(call)
    message["required"] = [r for r in message["required"] if r != "type"]
    message["properties"]["writeKey"] = {"type": "string"}
    return _body(message)


SDK_BATCH_BODY = _body(
    _nullable(
        {
            "type": "object",
            "description": "A batch of Segment calls",
            "required": ["batch"],
            "properties": {
                "batch": {"type": "array", "items": sdk_message(), "minItems": 1},
                "sentAt": {"type": "string", "format": "date-time"},
                "context": {"type": "object"},
                "writeKey": {"type": "string"},
            },
        }
    )
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
