"""REST routes for source systems: one event, or a batch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError

from ..domain.admission import Record, RequestIds, all_details
from ..domain.catalog import EVENT_ADAPTER
from ..domain.errors import ClientError
from ..domain.outcomes import Outcomes
from ..domain.validation import explain, invalid_json
from ..metrics import count_events
from ..parts import IngestParts
from ..store.broker import BrokerUnavailable
from .body import json_response
from .deps import Ingest, authenticated_body, charge
from .docs import BATCH_BODY, BATCH_RESPONSES, EVENT_BODY, EVENT_RESPONSES, IDEMPOTENCY_HEADER
from .models import BatchAccepted, EventAccepted

router = APIRouter(prefix="/v1", tags=["events"])


def idempotency_key(request: Request) -> str | None:
    key = request.headers.get("idempotency-key")
    if key is not None and not 1 <= len(key) <= 255:
        reason = "must be 1 to 255 characters"
        raise ClientError(
            422, "invalid Idempotency-Key", [{"field": "Idempotency-Key", "reason": reason}]
        )
    return key


async def publish(
    ingest: IngestParts, records: Sequence[Record], accepted: Sequence[dict[str, Any]]
) -> None:
    """Store the records; on a 503 the answer names the events that were stored all the
    same (`accepted[i]` describes `records[i]`), and a resend of the same body gives the
    others the same ids again, so nothing is counted twice."""
    try:
        await ingest.publisher.publish(records)
    except BrokerUnavailable as exc:
        named = [{"index": a["index"], "event_id": str(a["event_id"])} for a in accepted]
        exc.answer = {
            "stored": [named[i] for i in sorted(exc.acknowledged)],
            "not_stored": [a for i, a in enumerate(named) if i not in exc.acknowledged],
        }
        raise


@router.post(
    "/events",
    status_code=202,
    response_model=EventAccepted,
    responses=EVENT_RESPONSES,
    openapi_extra={**EVENT_BODY, "parameters": [IDEMPOTENCY_HEADER]},
)
async def post_event(request: Request, ingest: Ingest) -> Response:
    """Accept one event; 202 once the broker has stored it."""
    key, body, now = await authenticated_body(request, ingest)
    ids = RequestIds(key.source, body, idempotency_key(request))
    admission = ingest.admission
    outcomes = Outcomes()
    try:
        try:
            event = EVENT_ADAPTER.validate_json(body)
        except ValidationError as exc:
            outcomes.add(None, "invalid")
            raise invalid_json(exc) or ClientError(422, "invalid event", explain(exc)) from None
        refusal = admission.refusal(event, key, now)
        if refusal is not None:
            status, details = refusal
            outcomes.add(event.type, "forbidden" if status == 403 else "invalid")
            error = "event type not allowed for this API key" if status == 403 else "invalid event"
            raise ClientError(status, error, details)
        charge(ingest, key, 1)
        event_id = None if "event_id" in event.model_fields_set else ids.single()
        event = admission.stamp(event, key, now, event_id)
        record = admission.record(event)
        try:
            await publish(ingest, [record], [{"index": 0, "event_id": str(event.event_id)}])
        except BrokerUnavailable:
            outcomes.add(event.type, "unavailable")
            raise
        outcomes.add(event.type, "accepted")
    finally:
        count_events(outcomes)
    return json_response({"event_id": str(event.event_id), "topic": record.topic}, 202)


@router.post(
    "/events/batch",
    status_code=202,
    response_model=BatchAccepted,
    responses=BATCH_RESPONSES,
    openapi_extra={**BATCH_BODY, "parameters": [IDEMPOTENCY_HEADER]},
)
async def post_batch(request: Request, ingest: Ingest) -> Response:
    """Accept up to 1,000 events, each validated on its own; 202 once all accepted are stored."""
    key, body, now = await authenticated_body(request, ingest)
    ids = RequestIds(key.source, body, idempotency_key(request))
    admission = ingest.admission
    events = admission.batches.read(body)
    batch = admission.sort_batch(events, key, now, ids)
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
        charge(ingest, key, len(batch.records))
        outcome = "unavailable"
        try:
            await publish(ingest, batch.records, batch.accepted)
            outcome = "accepted"
        finally:
            for event_type, count in batch.accepted_types.items():
                outcomes.add(event_type, outcome, count)
    finally:
        count_events(outcomes)
    return json_response({"accepted": batch.accepted, "rejected": batch.rejected}, 202)
