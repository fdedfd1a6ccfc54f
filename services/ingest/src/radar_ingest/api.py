"""REST routes for source systems: one event, a batch, and the catalog."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from .catalog import EVENT_ADAPTER, event_type_catalog
from .deps import authenticated_body, ingest_of, json_response, runtime_of
from .docs import (
    BATCH_BODY,
    BATCH_RESPONSES,
    EVENT_BODY,
    EVENT_RESPONSES,
    BatchAccepted,
    EventAccepted,
    EventType,
)
from .errors import BrokerUnavailable, ClientError
from .intake import all_details, idempotent_id
from .metrics import Outcomes
from .validation import explain, invalid_json

router = APIRouter(prefix="/v1", tags=["events"])

IDEMPOTENCY_HEADER = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Single events only: the same key from the same source gives the same "
    "event_id (UUIDv5), so a retried request is deduplicated downstream. "
    "An event_id in the body wins over it.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}


@router.post(
    "/events",
    status_code=202,
    response_model=EventAccepted,
    responses=EVENT_RESPONSES,
    openapi_extra={**EVENT_BODY, "parameters": [IDEMPOTENCY_HEADER]},
)
async def post_event(request: Request) -> Response:
    """Accept one event; 202 once the broker has stored it."""
    runtime = runtime_of(request)
    key, body, now = await authenticated_body(request, runtime)
    idempotency_key = request.headers.get("idempotency-key")
    if idempotency_key is not None and not 1 <= len(idempotency_key) <= 255:
        reason = "must be 1 to 255 characters"
        raise ClientError(
            422, "invalid Idempotency-Key", [{"field": "Idempotency-Key", "reason": reason}]
        )
    ingest = ingest_of(runtime)
    intake = ingest.intake
    outcomes = Outcomes()
    try:
        try:
            event = EVENT_ADAPTER.validate_json(body)
        except ValidationError as exc:
            outcomes.add(None, "invalid")
            raise invalid_json(exc) or ClientError(422, "invalid event", explain(exc)) from None
        refusal = intake.refusal(event, key, now)
        if refusal is not None:
            status, details = refusal
            outcomes.add(event.type, "forbidden" if status == 403 else "invalid")
            error = "event type not allowed for this API key" if status == 403 else "invalid event"
            raise ClientError(status, error, details)
        event_id = None
        if idempotency_key is not None and "event_id" not in event.model_fields_set:
            event_id = idempotent_id(key.source, idempotency_key)
        event = intake.stamp(event, key, now, event_id)
        record = intake.record(event)
        try:
            await ingest.publisher.publish([record])
        except BrokerUnavailable:
            outcomes.add(event.type, "unavailable")
            raise
        outcomes.add(event.type, "accepted")
    finally:
        outcomes.publish()
    return json_response({"event_id": str(event.event_id), "topic": record.topic}, 202)


@router.post(
    "/events/batch",
    status_code=202,
    response_model=BatchAccepted,
    responses=BATCH_RESPONSES,
    openapi_extra=BATCH_BODY,
)
async def post_batch(request: Request) -> Response:
    """Accept up to 1,000 events, each validated on its own; 202 once all accepted are stored."""
    runtime = runtime_of(request)
    key, body, now = await authenticated_body(request, runtime)
    ingest = ingest_of(runtime)
    intake = ingest.intake
    events = intake.batches.read(body)
    batch = intake.sort_batch(events, key, now)
    outcomes = batch.outcomes
    try:
        if not batch.records:
            raise ClientError(
                403 if batch.all_forbidden else 422,
                "no event in the batch is allowed for this API key"
                if batch.all_forbidden
                else "no valid event in the batch",
                all_details(batch.rejected),
                extra={"rejected": batch.rejected},
            )
        outcome = "unavailable"
        try:
            await ingest.publisher.publish(batch.records)
            outcome = "accepted"
        finally:
            for event_type, count in batch.accepted_types.items():
                outcomes.add(event_type, outcome, count)
    finally:
        outcomes.publish()
    return json_response({"accepted": batch.accepted, "rejected": batch.rejected}, 202)


@router.get("/event-types", response_model=list[EventType], tags=["catalog"])
async def event_types() -> JSONResponse:
    """The event types ingest accepts, each with its JSON Schema and an example."""
    return JSONResponse(event_type_catalog())
