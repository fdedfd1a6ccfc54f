"""Segment HTTP Tracking API messages -> `usage.recorded` events. Pure: no I/O.

A `track` call becomes one `usage.recorded`:

- account: `context.groupId`, else `properties.account_id`.
- metric: `properties.metric` when given, else the event name, normalised to the
  contract's metric pattern: accents dropped, camelCase split, lowercased, every run
  of other characters turned into `_`, dots kept as separators, a leading digit
  prefixed with `event_`, cut to 128 characters. "Report Exported" -> `report_exported`,
  "Feature Used.Reports" -> `feature_used.reports`, "apiCall" -> `api_call`.
- quantity: `properties.quantity` (a number >= 0), else 1.
- user: `userId`; feature: `properties.feature`.
- event_id: UUIDv5 of the source and Segment's `messageId`, so an SDK retry of the same
  message yields the same id and the consumers drop the duplicate.
- occurred_at, as Segment computes `timestamp`: the client's clock reading (`timestamp`,
  else `originalTimestamp`) corrected for the client's clock skew with
  `received_at - (sentAt - that reading)` when `sentAt` (the message's or the batch's)
  is known; the reading as is without `sentAt`; `received_at` without a reading.
  Naive times are taken as UTC.

identify, group, page, screen and alias calls are acknowledged and ignored.
"""

from __future__ import annotations

import math
import re
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from radar_schemas import UsageRecorded, UsageRecordedEvent, describe_errors

SEGMENT_NAMESPACE = uuid.UUID("6f1c3e0a-4d0b-5b8e-9a57-2f3d1c8e7b21")
IGNORED_CALLS = frozenset({"identify", "group", "page", "screen", "alias"})
METRIC_MAX_LENGTH = 128

# Contract fields -> the Segment field a sender has to fix.
_SEGMENT_FIELD = {
    "account_id": "context.groupId",
    "occurred_at": "timestamp",
    "payload.metric": "event",
    "payload.quantity": "properties.quantity",
    "payload.user_id": "userId",
    "payload.feature": "properties.feature",
}
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z])(?=[A-Z])")
_NOT_METRIC_CHARS = re.compile(r"[^a-z0-9]+")


class Rejected(Exception):
    def __init__(self, details: list[dict[str, str]]) -> None:
        super().__init__(details[0]["reason"] if details else "rejected")
        self.details = details


def _reject(field: str, reason: str) -> Rejected:
    return Rejected([{"field": field, "reason": reason}])


@dataclass(frozen=True)
class Ignored:
    call: str


def normalise_metric(name: str) -> str | None:
    """The metric for an event name, or None when nothing usable is left."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = _CAMEL_BOUNDARY.sub("_", text).lower()
    parts = [_NOT_METRIC_CHARS.sub("_", part).strip("_") for part in text.split(".")]
    parts = [part for part in parts if part]
    if not parts:
        return None
    if not parts[0][0].isalpha():
        parts[0] = f"event_{parts[0]}"
    return ".".join(parts)[:METRIC_MAX_LENGTH].rstrip("._")


def message_event_id(source: str, message_id: object) -> uuid.UUID:
    if isinstance(message_id, str | int) and str(message_id):
        return uuid.uuid5(SEGMENT_NAMESPACE, f"{source}\n{message_id}")
    return uuid.uuid4()


def parse_time(value: object, field: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise _reject(field, "must be an ISO 8601 date-time string")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _reject(field, "must be an ISO 8601 date-time string") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def occurred_at(
    message: Mapping[str, Any], *, received_at: datetime, batch_sent_at: datetime | None = None
) -> datetime:
    reading = parse_time(message.get("timestamp"), "timestamp")
    if reading is None:
        reading = parse_time(message.get("originalTimestamp"), "originalTimestamp")
    sent_at = parse_time(message.get("sentAt"), "sentAt") or batch_sent_at
    if reading is None:
        return received_at
    if sent_at is None:
        return reading
    try:
        return received_at - (sent_at - reading)
    except OverflowError:
        raise _reject("sentAt", "too far from timestamp to correct the clock skew") from None


def translate(
    message: object,
    *,
    source: str,
    received_at: datetime,
    batch_sent_at: datetime | None = None,
    batch_context: Mapping[str, Any] | None = None,
    default_call: str | None = None,
) -> UsageRecordedEvent | Ignored:
    """One Segment message -> a usage event, Ignored, or raise Rejected."""
    if not isinstance(message, Mapping):
        raise _reject("(root)", "each Segment message must be a JSON object")
    call = message.get("type", default_call)
    if call in IGNORED_CALLS:
        return Ignored(str(call))
    if call != "track":
        raise _reject("type", f"unsupported Segment call {call!r}; track is ingested")
    properties = _object(message, "properties")
    context = {**(batch_context or {}), **_object(message, "context")}

    metric = _metric(message, properties)
    account_id = context.get("groupId")
    if account_id is None or account_id == "":
        account_id = properties.get("account_id")
    if not isinstance(account_id, str | int) or isinstance(account_id, bool) or account_id == "":
        raise _reject(
            "context.groupId",
            "the account is required: set context.groupId or properties.account_id",
        )
    quantity = _quantity(properties.get("quantity"))
    user_id = message.get("userId")
    feature = properties.get("feature")
    try:
        return UsageRecordedEvent(
            event_id=message_event_id(source, message.get("messageId")),
            occurred_at=occurred_at(message, received_at=received_at, batch_sent_at=batch_sent_at),
            account_id=str(account_id),
            source=source,
            received_at=received_at,
            payload=UsageRecorded(
                metric=metric,
                quantity=quantity,
                user_id=str(user_id) if isinstance(user_id, str | int) and user_id != "" else None,
                feature=feature if isinstance(feature, str) and feature else None,
            ),
        )
    except ValidationError as exc:
        raise Rejected(segment_fields(describe_errors(exc))) from None


def segment_fields(details: list[dict[str, str]]) -> list[dict[str, str]]:
    """Problems named by the Segment field the sender sets, not the contract's."""
    return [
        {**entry, "field": _SEGMENT_FIELD.get(entry["field"], entry["field"])} for entry in details
    ]


def _object(message: Mapping[str, Any], field: str) -> Mapping[str, Any]:
    value = message.get(field)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _reject(field, "must be a JSON object")
    return value


def _metric(message: Mapping[str, Any], properties: Mapping[str, Any]) -> str:
    override = properties.get("metric")
    field, name = (
        ("properties.metric", override) if override is not None else ("event", message.get("event"))
    )
    if not isinstance(name, str) or not name.strip():
        raise _reject(field, "the event name is required")
    metric = normalise_metric(name)
    if metric is None:
        raise _reject(field, f"{name!r} has no letters or digits to make a metric name from")
    return metric


def _quantity(value: object) -> float:
    if value is None:
        return 1.0
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _reject("properties.quantity", "must be a number")
    if not math.isfinite(value) or value < 0:
        raise _reject("properties.quantity", "must be a finite number >= 0")
    return float(value)
