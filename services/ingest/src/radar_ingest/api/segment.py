"""The Segment HTTP Tracking API, as Segment's and RudderStack's SDKs call it.

Both SDK families post to `<host>/v1/batch` (and single calls to `<host>/v1/<call>`):
pointed at the ingest root they land here. The same routes answer under `/v1/segment`
and `/v1/segment/v1` for senders configured with those hosts.

- Write key: HTTP Basic user name, `writeKey` in the body, or Bearer.
- Limits: 32 KB per call and per message in a batch (Segment's and RudderStack's);
  500 KB per batch under `/v1/segment` (Segment's), 4 MB at the root, where RudderStack's
  SDKs post their batches of up to 4 MB.
- Answers: 200 with a result per message when at least one message was taken; when none
  was, a 4xx (413 all too large, 403 all forbidden, else 422) that both SDKs treat as
  final, its body carrying `code` and `message` at the top level as they read them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic_core import to_json

from ..domain import segment
from ..domain.admission import Record, RequestIds, all_details
from ..domain.auth import ApiKey, credentials_from
from ..domain.errors import ClientError
from ..domain.identities import Directory, IdentityFact
from ..domain.outcomes import Outcomes
from ..domain.validation import parse_json
from ..metrics import count_events
from ..parts import IngestParts
from ..store.broker import BrokerUnavailable
from .body import decode_body, json_response, read_body
from .deps import Ingest, charge, check_signature, key_of, unauthorized
from .docs import SDK_BATCH_BODY, SDK_RESPONSES, sdk_call_body
from .errors import SDK_TAG

router = APIRouter(tags=[SDK_TAG])

ROOTS = ("/v1", "/v1/segment", "/v1/segment/v1")
SCHEME = 'Basic realm="segment"'


async def sdk_request(
    request: Request, ingest: IngestParts, limit: int
) -> tuple[ApiKey, Any, bytes, datetime]:
    """The caller's key (header, else `writeKey` in the body), the parsed body, the body
    as decoded (what the request's derived ids hash), and now."""
    presented = credentials_from(request.headers.get("authorization"), allow_basic=True)
    key = key_of(ingest, presented, SCHEME) if presented is not None else None
    raw = await read_body(request, limit)
    now = ingest.runtime.clock.now()
    body = decode_body(raw, request.headers.get("content-encoding"), limit)
    parsed = parse_json(body)
    write_key = parsed.get("writeKey") if isinstance(parsed, Mapping) else None
    if write_key is not None and not isinstance(write_key, str):
        reason = "must be a string: the API key"
        raise ClientError(422, "invalid writeKey", [{"field": "writeKey", "reason": reason}])
    if key is None:
        if not write_key:
            raise unauthorized(
                "missing write key: send it as the Basic auth user name, as writeKey in the "
                "body, or as a Bearer key",
                SCHEME,
            )
        key = key_of(ingest, write_key, SCHEME)
    check_signature(request, ingest, key, raw, now, SCHEME)
    return key, parsed, body, now


class Call:
    """What became of the messages of one request, and the records to store for them."""

    def __init__(
        self,
        ingest: IngestParts,
        key: ApiKey,
        now: datetime,
        body: bytes,
        *,
        single: bool = False,
        **batch: Any,
    ):
        self.ingest = ingest
        self.single = single  # one call: its problems are named without a batch index
        self.key = key
        self.now = now
        self.ids = RequestIds(key.source, body)
        self.pending = Directory(ingest.directory)
        self.translator = segment.Translator(
            self.pending, source=key.source, received_at=now, **batch
        )
        self.records: list[Record] = []
        self.owners: list[int] = []  # for each record, the accepted entry it stores
        self.accepted: list[dict[str, Any]] = []
        self.rejected: list[dict[str, Any]] = []
        self.too_large = 0
        self.forbidden = 0
        self.outcomes = Outcomes()

    def take(self, index: int, message: object, default_call: str | None = None) -> None:
        call = default_call
        try:
            call = segment.call_of(message, default_call)
            assert isinstance(message, Mapping)
            result = self.translator.translate(message, call, self.ids.item(index))
            if isinstance(result, tuple):
                self._learn(index, call, result)
            else:
                self._admit(index, call, result)
        except segment.Rejected as exc:
            self.outcomes.add(segment.EVENT_TYPE_OF_CALL.get(call or ""), exc.outcome)
            self.rejected.append({"index": index, "details": exc.details})

    def reject_too_large(self, index: int, size: int, limit: int) -> None:
        self.too_large += 1
        reason = f"{size} bytes; at most {limit} bytes per message"
        self.rejected.append({"index": index, "details": [{"field": "(root)", "reason": reason}]})

    def _admit(self, index: int, call: str, event: Any) -> None:
        refusal = self.ingest.admission.refusal(event, self.key, self.now)
        if refusal is not None:
            status, details = refusal
            self.forbidden += status == 403
            rejected = segment.Rejected(segment.segment_fields(details))
            rejected.outcome = "forbidden" if status == 403 else "invalid"
            raise rejected
        self._keep(self.ingest.admission.record(event))
        self.accepted.append({"index": index, "type": call, "event_id": str(event.event_id)})

    def _learn(self, index: int, call: str, facts: Sequence[IdentityFact]) -> None:
        for fact in facts:
            self.pending.learn(fact)
            self._keep(self.ingest.identities.record(fact))
        self.accepted.append({"index": index, "type": call})

    def _keep(self, record: Record) -> None:
        self.records.append(record)
        self.owners.append(len(self.accepted))  # the accepted entry it is about to get

    async def store(self) -> None:
        """Refuse when no message was taken; else store them all, then remember the facts."""
        if not self.accepted:
            raise ClientError(
                self._refusal_status(),
                "no message in the request could be taken",
                self.rejected[0]["details"] if self.single else all_details(self.rejected, "batch"),
                extra={"rejected": self.rejected},
            )
        charge(self.ingest, self.key, len(self.records))
        events = [a for a in self.accepted if "event_id" in a]
        outcome = "unavailable"
        try:
            await self.ingest.publisher.publish(self.records)
            outcome = "accepted"
        except BrokerUnavailable as exc:
            unstored = {o for p, o in enumerate(self.owners) if p not in exc.acknowledged}
            exc.answer = {
                "stored": [a for i, a in enumerate(self.accepted) if i not in unstored],
                "not_stored": [a for i, a in enumerate(self.accepted) if i in unstored],
            }
            raise
        finally:
            for entry in events:
                self.outcomes.add(segment.EVENT_TYPE_OF_CALL[entry["type"]], outcome)
            count_events(self.outcomes)
        for fact in self.pending.learned:
            self.ingest.directory.learn(fact)

    def _refusal_status(self) -> int:
        if self.too_large == len(self.rejected):
            return 413
        if self.forbidden == len(self.rejected):
            return 403
        return 422

    def answer(self) -> Response:
        return json_response(
            {"success": not self.rejected, "accepted": self.accepted, "rejected": self.rejected}
        )


async def _single(request: Request, ingest: IngestParts, call: str) -> Response:
    limit = ingest.settings.sdk_max_message_bytes
    key, message, body, now = await sdk_request(request, ingest, limit)
    work = Call(ingest, key, now, body, single=True)
    if isinstance(message, Mapping) and "type" in message and message["type"] != call:
        reason = f"must be {call!r} on this path, or left out"
        work.rejected.append({"index": 0, "details": [{"field": "type", "reason": reason}]})
    else:
        work.take(0, message, default_call=call)
    await work.store()
    return work.answer()


async def _batch(request: Request, ingest: IngestParts, limit: int) -> Response:
    key, body, raw, now = await sdk_request(request, ingest, limit)
    messages, sent_at, context = _batch_parts(body)
    work = Call(ingest, key, now, raw, batch_sent_at=sent_at, batch_context=context)
    per_message = ingest.settings.sdk_max_message_bytes
    for index, message in enumerate(messages):
        size = len(to_json(message))
        if size > per_message:
            work.reject_too_large(index, size, per_message)
        else:
            work.take(index, message)
    await work.store()
    return work.answer()


def _batch_parts(body: Any) -> tuple[list[Any], datetime | None, Mapping[str, Any]]:
    if not isinstance(body, Mapping):
        raise ClientError(
            422, "invalid batch", [{"field": "(root)", "reason": "must be a JSON object"}]
        )
    messages = body.get("batch")
    if not isinstance(messages, list) or not messages:
        reason = "must be a non-empty array of Segment messages"
        raise ClientError(422, "invalid batch", [{"field": "batch", "reason": reason}])
    context = body.get("context")
    context = {} if context is None else context
    if not isinstance(context, Mapping):
        raise ClientError(
            422, "invalid batch", [{"field": "context", "reason": "must be a JSON object"}]
        )
    try:
        sent_at = segment.parse_time(body.get("sentAt"), "sentAt")
    except segment.Rejected as exc:
        raise ClientError(422, "invalid batch", exc.details) from None
    return messages, sent_at, context


def _route_single(call: str) -> None:
    async def single(request: Request, ingest: Ingest) -> Response:
        return await _single(request, ingest, call)

    single.__name__ = f"sdk_{call}"
    single.__doc__ = f"A Segment {call} call (see the README's table for what it becomes)."
    for root in ROOTS:
        router.add_api_route(
            f"{root}/{call}",
            single,
            methods=["POST"],
            responses=SDK_RESPONSES,
            openapi_extra=sdk_call_body(call),
            include_in_schema=root == "/v1",
            name=f"sdk_{call}{root.replace('/', '_')}",
        )


for _call in segment.CALLS:
    _route_single(_call)


@router.post("/v1/batch", responses=SDK_RESPONSES, openapi_extra=SDK_BATCH_BODY)
@router.post("/v1/import", include_in_schema=False)
async def sdk_batch(request: Request, ingest: Ingest) -> Response:
    """A batch of Segment calls, up to RudderStack's 4 MB (its SDKs post here)."""
    return await _batch(request, ingest, ingest.settings.rudderstack_max_batch_bytes)


@router.post("/v1/segment/batch", include_in_schema=False)
@router.post("/v1/segment/v1/batch", include_in_schema=False)
@router.post("/v1/segment/import", include_in_schema=False)
@router.post("/v1/segment/v1/import", include_in_schema=False)
async def segment_batch(request: Request, ingest: Ingest) -> Response:
    """A batch of Segment calls, up to Segment's 500 KB."""
    return await _batch(request, ingest, ingest.settings.segment_max_batch_bytes)
