"""Segment-compatible routes: point a Segment SDK's host at `<ingest>/v1/segment`.

SDKs append `/v1/batch` (and some `/v1/track`) to the host they are given, so the same
handlers also answer under `/v1/segment/v1/...`. Answers are 200 with
`{"success": true, ...}` as Segment's API gives, listing ignored and rejected messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response

from radar_schemas import Envelope

from ..domain import segment
from ..domain.admission import Admission, all_details
from ..domain.auth import ApiKey
from ..domain.errors import ClientError
from ..domain.outcomes import Outcomes
from ..domain.validation import parse_json
from ..metrics import count_events
from ..parts import IngestParts
from .body import json_response
from .deps import Ingest, authenticated_body
from .docs import SEGMENT_BATCH_BODY, SEGMENT_RESPONSES, SEGMENT_TRACK_BODY

router = APIRouter(prefix="/v1/segment", tags=["segment"])

_USAGE = "usage.recorded"


async def _key_and_body(request: Request, ingest: IngestParts) -> tuple[ApiKey, Any, datetime]:
    key, body, now = await authenticated_body(request, ingest, segment=True)
    if not key.may_send(_USAGE):
        reason = f"source {key.source!r} may not send {_USAGE}, which Segment track calls become"
        raise ClientError(
            403, "event type not allowed for this API key", [{"field": "type", "reason": reason}]
        )
    return key, parse_json(body), now


def _translate(
    message: object,
    key: ApiKey,
    admission: Admission,
    now: datetime,
    **batch: Any,
) -> Envelope | segment.Ignored:
    """The message as an event this key may send now, or Ignored; raises segment.Rejected."""
    result = segment.translate(message, source=key.source, received_at=now, **batch)
    if not isinstance(result, segment.Ignored):
        refusal = admission.refusal(result, key, now)
        if refusal is not None:
            raise segment.Rejected(segment.segment_fields(refusal[1]))
    return result


@router.post("/track", responses=SEGMENT_RESPONSES, openapi_extra=SEGMENT_TRACK_BODY)
@router.post("/v1/track", include_in_schema=False)
async def segment_track(request: Request, ingest: Ingest) -> Response:
    """One Segment track call -> one usage.recorded event."""
    key, message, now = await _key_and_body(request, ingest)
    outcomes = Outcomes()
    try:
        try:
            result = _translate(message, key, ingest.admission, now, default_call="track")
        except segment.Rejected as exc:
            outcomes.add(_USAGE, "invalid")
            raise ClientError(422, "invalid Segment track call", exc.details) from None
        if isinstance(result, segment.Ignored):
            return json_response({"success": True, "ignored": [{"index": 0, "type": result.call}]})
        record = ingest.admission.record(result)
        outcome = "unavailable"
        try:
            await ingest.publisher.publish([record])
            outcome = "accepted"
        finally:
            outcomes.add(_USAGE, outcome)
    finally:
        count_events(outcomes)
    return json_response({"success": True, "event_id": str(result.event_id), "topic": record.topic})


@router.post("/batch", responses=SEGMENT_RESPONSES, openapi_extra=SEGMENT_BATCH_BODY)
@router.post("/v1/batch", include_in_schema=False)
async def segment_batch(request: Request, ingest: Ingest) -> Response:
    """A Segment batch: track calls become usage.recorded; other calls are acknowledged."""
    key, body, now = await _key_and_body(request, ingest)
    messages, sent_at, context = _batch_parts(body, ingest.settings.max_batch_events)
    accepted: list[dict[str, Any]] = []
    ignored: list[dict[str, Any]] = []
    rejected: list[dict[str, Any]] = []
    records = []
    for index, message in enumerate(messages):
        try:
            result = _translate(
                message, key, ingest.admission, now, batch_sent_at=sent_at, batch_context=context
            )
        except segment.Rejected as exc:
            rejected.append({"index": index, "details": exc.details})
            continue
        if isinstance(result, segment.Ignored):
            ignored.append({"index": index, "type": result.call})
            continue
        record = ingest.admission.record(result)
        records.append(record)
        accepted.append({"index": index, "event_id": result.event_id})

    outcomes = Outcomes()
    outcomes.add(_USAGE, "invalid", len(rejected))
    try:
        if rejected and not accepted and not ignored:
            raise ClientError(
                422,
                "no valid message in the batch",
                all_details(rejected, "batch"),
                extra={"rejected": rejected},
            )
        outcome = "unavailable"
        try:
            if records:
                await ingest.publisher.publish(records)
            outcome = "accepted"
        finally:
            outcomes.add(_USAGE, outcome, len(records))
    finally:
        count_events(outcomes)
    return json_response(
        {"success": True, "accepted": accepted, "ignored": ignored, "rejected": rejected}
    )


def _batch_parts(
    body: Any, max_events: int
) -> tuple[list[Any], datetime | None, Mapping[str, Any]]:
    if not isinstance(body, Mapping):
        raise ClientError(
            422, "invalid Segment batch", [{"field": "(root)", "reason": "must be an object"}]
        )
    messages = body.get("batch")
    if not isinstance(messages, list) or not messages:
        reason = "must be a non-empty array of Segment messages"
        raise ClientError(422, "invalid Segment batch", [{"field": "batch", "reason": reason}])
    if len(messages) > max_events:
        reason = f"at most {max_events} messages per batch, got {len(messages)}"
        raise ClientError(422, "invalid Segment batch", [{"field": "batch", "reason": reason}])
    context = body.get("context") or {}
    if not isinstance(context, Mapping):
        raise ClientError(
            422, "invalid Segment batch", [{"field": "context", "reason": "must be an object"}]
        )
    try:
        sent_at = segment.parse_time(body.get("sentAt"), "sentAt")
    except segment.Rejected as exc:
        raise ClientError(422, "invalid Segment batch", exc.details) from None
    return messages, sent_at, context
