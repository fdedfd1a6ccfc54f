"""Which valid events a key may have stored now, and the records they become: the
permission and time checks, the fields ingest owns (source, received_at, event_id),
and the encoding for the broker."""

from __future__ import annotations

import hashlib
import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from radar_schemas import Envelope, codec

from .auth import ApiKey
from .errors import Details
from .outcomes import Outcomes
from .validation import BatchReader, InvalidItem

IDEMPOTENCY_NAMESPACE = uuid.UUID("0b7e4d1a-9c3f-5e62-8a41-6d2b9f0c5e13")


class Record(NamedTuple):  # a tuple: built once per event on the hot path
    """An accepted event as the broker stores it."""

    topic: str
    key: bytes
    value: bytes


class Admission:
    """`topics`: the topic each accepted event type is stored on."""

    def __init__(
        self,
        topics: Mapping[str, str],
        *,
        max_future_seconds: float,
        max_batch_events: int,
        earliest_occurred_at: datetime = datetime(1990, 1, 1, tzinfo=UTC),
    ) -> None:
        self.topics = dict(topics)
        self.earliest = earliest_occurred_at
        self.max_future_seconds = max_future_seconds
        self.max_future = timedelta(seconds=max_future_seconds)
        self.batches = BatchReader(max_batch_events)

    def refusal(self, event: Envelope, key: ApiKey, now: datetime) -> tuple[int, Details] | None:
        """Why a valid event cannot be accepted from this key now, as (status, details)."""
        if not key.may_send(event.type):
            allowed = ", ".join(key.allow)
            reason = f"source {key.source!r} may not send {event.type} (allowed: {allowed})"
            return 403, [{"field": "type", "reason": reason}]
        if event.occurred_at > now + self.max_future:
            ahead = (event.occurred_at - now).total_seconds()
            limit = self.max_future_seconds
            reason = f"is {ahead:.0f} s in the future; at most {limit:.0f} s ahead is accepted"
            return 422, [{"field": "occurred_at", "reason": reason}]
        if event.occurred_at < self.earliest:
            reason = f"is before {self.earliest.isoformat()}, the earliest accepted"
            return 422, [{"field": "occurred_at", "reason": reason}]
        return None

    def stamp(
        self, event: Envelope, key: ApiKey, now: datetime, event_id: uuid.UUID | None = None
    ) -> Envelope:
        """The fields ingest owns: never what the body said."""
        update: dict[str, Any] = {"source": key.source, "received_at": now}
        if event_id is not None:
            update["event_id"] = event_id
        return event.model_copy(update=update)

    def record(self, event: Envelope) -> Record:
        return Record(self.topics[event.type], event.account_id.encode(), codec.encode(event))

    def sort_batch(
        self,
        items: Sequence[Envelope | InvalidItem],
        key: ApiKey,
        now: datetime,
        ids: RequestIds,
    ) -> SortedBatch:
        """Accepted events stamped and encoded, the others with their reasons.

        The hot path of ingest: checks are inlined and per-request values hoisted, since
        a function call per check costs as much here as the check itself."""
        result = SortedBatch()
        allowed = key.allowed_types
        horizon = now + self.max_future
        earliest = self.earliest
        stamp = {"source": key.source, "received_at": now}
        topics = self.topics
        encode = codec.encode
        records = result.records
        accepted = result.accepted
        accepted_types = result.accepted_types
        for index, item in enumerate(items):
            if isinstance(item, InvalidItem):
                result.outcomes.add(item.event_type, "invalid")
                result.rejected.append({"index": index, "details": item.details})
                continue
            if item.type not in allowed or not earliest <= item.occurred_at <= horizon:
                refusal = self.refusal(item, key, now)
                assert refusal is not None  # the same checks, spelled out
                status, details = refusal
                result.forbidden += status == 403
                result.outcomes.add(item.type, "forbidden" if status == 403 else "invalid")
                result.rejected.append({"index": index, "details": details})
                continue
            if "event_id" in item.model_fields_set:
                event = item.model_copy(update=stamp)
            else:
                event = item.model_copy(update={**stamp, "event_id": ids.item(index)})
            records.append(Record(topics[event.type], event.account_id.encode(), encode(event)))
            # The UUID itself: the response encoder writes it faster than str() would.
            accepted.append({"index": index, "event_id": event.event_id})
            accepted_types[event.type] += 1
        return result


@dataclass
class SortedBatch:
    records: list[Record] = field(default_factory=list)
    accepted: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)
    accepted_types: Counter[str] = field(default_factory=Counter)
    forbidden: int = 0
    outcomes: Outcomes = field(default_factory=Outcomes)

    @property
    def all_forbidden(self) -> bool:
        return self.forbidden == len(self.rejected)


def idempotent_id(source: str, idempotency_key: str) -> uuid.UUID:
    return uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"{source}\n{idempotency_key}")


class RequestIds:
    """The ids of events a request sent without one, the same whenever the same request
    is sent again (a retry after a 503 or a timeout, a replayed signed request):
    UUIDv5 of the key's source, the request, and the item's position in a batch.

    The request is its `Idempotency-Key` when given, else the SHA-256 of its body (after
    gzip decoding). A single event with an Idempotency-Key keeps the id it always had:
    UUIDv5 of the source and the key."""

    __slots__ = ("_body", "_idempotency_key", "_request", "source")

    def __init__(self, source: str, body: bytes, idempotency_key: str | None = None) -> None:
        self.source = source
        self._body = body
        self._idempotency_key = idempotency_key
        self._request: str | None = None

    @property
    def request(self) -> str:
        if self._request is None:  # hashed only when an item needs an id
            key = self._idempotency_key
            self._request = key if key is not None else self.body_hash(self._body)
        return self._request

    @staticmethod
    def body_hash(body: bytes) -> str:
        return "sha256:" + hashlib.sha256(body).hexdigest()

    def single(self) -> uuid.UUID:
        return idempotent_id(self.source, self.request)

    def item(self, index: int) -> uuid.UUID:
        return uuid.uuid5(IDEMPOTENCY_NAMESPACE, f"{self.source}\n{self.request}\n{index}")


def prefixed(index: int, details: Iterable[dict[str, str]], root: str = "events") -> Details:
    """Item-relative paths as paths in the whole body: `events[3].payload.metric`."""
    out = []
    for entry in details:
        inner = entry["field"]
        path = f"{root}[{index}]" if inner == "(root)" else f"{root}[{index}].{inner}"
        out.append({"field": path, "reason": entry["reason"]})
    return out


def all_details(rejected: Sequence[dict[str, Any]], root: str = "events") -> Details:
    return [d for r in rejected for d in prefixed(r["index"], r["details"], root)]
