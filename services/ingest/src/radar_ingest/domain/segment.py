"""Segment HTTP Tracking API messages -> contract events and identity facts. Pure: no I/O.

Every call type is taken, as the README's table says:

- `track` -> `usage.recorded`: metric from `properties.metric`, else the event name
  normalised to the contract's metric pattern (accents dropped, camelCase split,
  lowercased, every run of other characters turned into `_`, dots kept, a leading digit
  prefixed with `event_`, cut to 128 characters: "Report Exported" -> `report_exported`,
  "Feature Used.Reports" -> `feature_used.reports`, "apiCall" -> `api_call`); quantity
  from `properties.quantity` (a number >= 0), else 1; user and feature from `userId`
  (else `anonymousId`) and `properties.feature`.
- `page` / `screen` -> `usage.recorded` with the metric `page.<name>` / `screen.<name>`
  (`page` / `screen` without a name), quantity 1.
- `identify` -> `contact.identified`: the user id as contact id, `traits.name` (else
  first and last name) and `traits.email`, so messages can name the person. It never
  changes a contact's role or membership: those are the CRM's (`contact.changed`).
  Traits are read from `traits`, else `context.traits`.
- `group` -> identity facts, no event: the user belongs to the group; a `traits.account_id`
  says which CRM account the group is. Other traits never become CRM fields.
- `alias` -> an identity fact, no event: `previousId` is now known as `userId`.

The account of track, page, screen and identify: `context.groupId` (through a group's
`account_id` when one was given), else `properties.account_id`, else the account the
user (or anonymous id, or an id aliased to it) was grouped into.

event_id: UUIDv5 of the source and Segment's `messageId`, so an SDK retry of the same
message is deduplicated downstream; without a messageId the request's own ids (see
`admission.RequestIds`).

occurred_at, as Segment computes `timestamp`: the client's clock reading (`timestamp`,
else `originalTimestamp`) corrected for the client's clock skew with
`received_at - (sentAt - that reading)` when `sentAt` (the message's or the batch's) is
known; the reading as is without `sentAt`; `received_at` without a reading. Naive times
are taken as UTC.
"""

from __future__ import annotations

import math
import re
import unicodedata
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from radar_schemas import ContactIdentifiedEvent, Envelope, UsageRecordedEvent, describe_errors
from radar_schemas.common import NAME_PATTERN

from .identities import Directory, IdentityFact

SEGMENT_NAMESPACE = uuid.UUID("6f1c3e0a-4d0b-5b8e-9a57-2f3d1c8e7b21")
CALLS = ("track", "identify", "group", "page", "screen", "alias")
EVENT_TYPE_OF_CALL = {
    "track": "usage.recorded",
    "page": "usage.recorded",
    "screen": "usage.recorded",
    "identify": "contact.identified",
}
METRIC_MAX_LENGTH = 128

# Contract fields -> the Segment field a sender has to fix.
_SEGMENT_FIELD = {
    "account_id": "context.groupId",
    "occurred_at": "timestamp",
    "payload.metric": "event",
    "payload.quantity": "properties.quantity",
    "payload.user_id": "userId",
    "payload.feature": "properties.feature",
    "payload.contact_id": "userId",
    "payload.name": "traits.name",
    "payload.email": "traits.email",
}
# An id as text: as the contract's ids, no control character and more than whitespace.
_ID_TEXT = re.compile(NAME_PATTERN)
_ALNUM = re.compile(r"[A-Za-z0-9]")
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z])(?=[A-Z])")
_NOT_METRIC_CHARS = re.compile(r"[^a-z0-9]+")

Translated = Envelope | tuple[IdentityFact, ...]


class Rejected(Exception):
    def __init__(self, details: list[dict[str, str]], outcome: str = "invalid") -> None:
        super().__init__(details[0]["reason"] if details else "rejected")
        self.details = details
        self.outcome = outcome


def _reject(field: str, reason: str) -> Rejected:
    return Rejected([{"field": field, "reason": reason}])


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


def message_event_id(source: str, message_id: str | None) -> uuid.UUID | None:
    if message_id:
        return uuid.uuid5(SEGMENT_NAMESPACE, f"{source}\n{message_id}")
    return None


def call_of(message: object, default_call: str | None = None) -> str:
    """The call type of a message; raises Rejected for anything but the six calls."""
    if not isinstance(message, Mapping):
        raise _reject("(root)", "each Segment message must be a JSON object")
    call = message.get("type", default_call)
    if not isinstance(call, str) or call not in CALLS:
        shown = call if isinstance(call, str) else type(call).__name__
        raise _reject("type", f"unsupported Segment call {shown!r}; one of {', '.join(CALLS)}")
    return call


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
    original = parse_time(message.get("originalTimestamp"), "originalTimestamp")
    reading = reading or original
    sent_at = parse_time(message.get("sentAt"), "sentAt") or batch_sent_at
    if reading is None:
        return received_at
    if sent_at is None:
        return reading
    try:
        return received_at - (sent_at - reading)
    except OverflowError:
        raise _reject("sentAt", "too far from timestamp to correct the clock skew") from None


class Translator:
    """The messages of one request, from one source, received at one moment."""

    def __init__(
        self,
        directory: Directory,
        *,
        source: str,
        received_at: datetime,
        batch_sent_at: datetime | None = None,
        batch_context: Mapping[str, Any] | None = None,
    ) -> None:
        self.directory = directory
        self.source = source
        self.received_at = received_at
        self.batch_sent_at = batch_sent_at
        self.batch_context = batch_context or {}

    def translate(
        self, message: Mapping[str, Any], call: str, fallback_id: uuid.UUID
    ) -> Translated:
        """One message (its call already checked by `call_of`); raises Rejected."""
        # Fields every call may carry are checked whatever the call: nothing a sender
        # sets wrong is passed over in silence.
        message_id = _id(message, "messageId")
        for field in ("userId", "anonymousId"):
            _id(message, field)
        moment = occurred_at(
            message, received_at=self.received_at, batch_sent_at=self.batch_sent_at
        )
        context = {**self.batch_context, **_object(message, "context")}
        if call == "group":
            return self._group(message)
        if call == "alias":
            return (
                IdentityFact(
                    "alias",
                    self.source,
                    _required(message, "previousId"),
                    _required(message, "userId"),
                ),
            )
        event_id = message_event_id(self.source, message_id) or fallback_id
        if call == "identify":
            return self._identify(message, context, event_id, moment)
        properties = _object(message, "properties")
        if call == "track":
            metric = _metric(message, properties)
            quantity = _quantity(properties.get("quantity"))
            feature = _text(properties, "feature", "properties.feature")
        else:  # page, screen
            metric = _view_metric(call, message, properties)
            quantity, feature = 1.0, None
        return self._event(
            UsageRecordedEvent,
            event_id=event_id,
            occurred_at=moment,
            account_id=self._account(message, context, properties, "properties"),
            payload={
                "metric": metric,
                "quantity": quantity,
                "user_id": _user(message),
                "feature": feature or None,
            },
        )

    def _identify(
        self,
        message: Mapping[str, Any],
        context: Mapping[str, Any],
        event_id: uuid.UUID,
        moment: datetime,
    ) -> Envelope:
        traits = _object(message, "traits") or _object(context, "traits")
        return self._event(
            ContactIdentifiedEvent,
            event_id=event_id,
            occurred_at=moment,
            account_id=self._account(message, context, traits, "traits"),
            payload={
                "contact_id": _required(message, "userId"),
                "name": _name(traits),
                "email": _text(traits, "email", "traits.email") or None,
            },
        )

    def _group(self, message: Mapping[str, Any]) -> tuple[IdentityFact, ...]:
        group_id = _required(message, "groupId")
        user = _id(message, "userId") or _id(message, "anonymousId")
        if user is None:
            raise _reject("userId", "a group call needs userId or anonymousId")
        facts = [IdentityFact("member", self.source, user, group_id)]
        account_id = _id(_object(message, "traits"), "account_id", "traits.account_id")
        if account_id is not None:
            facts.append(IdentityFact("group", self.source, group_id, account_id))
        return tuple(facts)

    def _account(
        self,
        message: Mapping[str, Any],
        context: Mapping[str, Any],
        named: Mapping[str, Any],
        named_as: str,
    ) -> str:
        group_id = _id(context, "groupId", "context.groupId")
        # Checked even when the group decides: a malformed field is rejected, never ignored.
        named_account = _id(named, "account_id", f"{named_as}.account_id")
        account = self.directory.account(self.source, group_id) if group_id else None
        account = account or named_account
        account = account or self.directory.account(
            self.source, None, _id(message, "userId"), _id(message, "anonymousId")
        )
        if account is None:
            raise _reject(
                "context.groupId",
                "no account: set context.groupId or properties.account_id, "
                "or send a group call for this user first",
            )
        return account

    def _event(self, model: type[Envelope], **fields: Any) -> Envelope:
        try:
            return model(source=self.source, received_at=self.received_at, **fields)
        except ValidationError as exc:
            raise Rejected(segment_fields(describe_errors(exc))) from None


def segment_fields(details: list[dict[str, str]]) -> list[dict[str, str]]:
    """Problems named by the Segment field the sender sets, not the contract's."""
    return [
        {**entry, "field": _SEGMENT_FIELD.get(entry["field"], entry["field"])} for entry in details
    ]


def _id(mapping: Mapping[str, Any], key: str, field: str | None = None) -> str | None:
    """An id (a string or a number, 1 to 128 characters, no control character), or None
    when absent; raises Rejected naming `field` when present but not an id."""
    value = mapping.get(key)
    if value is None:
        return None
    text = str(value) if isinstance(value, str | int | float) else ""
    if isinstance(value, bool) or len(text) > 128 or not _ID_TEXT.fullmatch(text):
        raise _reject(
            field or key,
            "must be a string or a number of 1 to 128 characters, without control characters",
        )
    return text.strip()


def _required(message: Mapping[str, Any], key: str) -> str:
    text = _id(message, key)
    if text is None:
        raise _reject(key, "field required: a string or a number")
    return text


def _text(mapping: Mapping[str, Any], key: str, field: str) -> str | None:
    value = mapping.get(key)
    if value is not None and not isinstance(value, str):
        raise _reject(field, "must be a string")
    return value


def _user(message: Mapping[str, Any]) -> str | None:
    return _id(message, "userId") or _id(message, "anonymousId")


def _name(traits: Mapping[str, Any]) -> str | None:
    name = _text(traits, "name", "traits.name")
    if name and name.strip():
        return name
    parts = [
        traits.get("firstName") or traits.get("first_name"),
        traits.get("lastName") or traits.get("last_name"),
    ]
    joined = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    return joined or None


def _object(message: Mapping[str, Any], field: str) -> Mapping[str, Any]:
    value = message.get(field)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _reject(field, "must be a JSON object")
    return value


def _metric(message: Mapping[str, Any], properties: Mapping[str, Any]) -> str:
    """The metric: `properties.metric` when given, else the event name (required either
    way, as Segment's spec has it); either must hold an ASCII letter or digit."""
    event = _named(message.get("event"), "event")
    override = properties.get("metric")
    field, name = ("event", event) if override is None else ("properties.metric", override)
    metric = normalise_metric(_named(name, field))
    if metric is None:
        raise _reject(field, f"{name!r} has no letters or digits to make a metric name from")
    return metric


def _named(name: object, field: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise _reject(field, "the event name is required")
    if not _ALNUM.search(name):
        raise _reject(field, f"{name!r} has no letters or digits to make a metric name from")
    return name


def _view_metric(call: str, message: Mapping[str, Any], properties: Mapping[str, Any]) -> str:
    name = message.get("name")
    if name is None:
        name = properties.get("name")
    if name is not None and not isinstance(name, str):
        raise _reject("name", "must be a string")
    view = normalise_metric(name) if name else None
    return f"{call}.{view}"[:METRIC_MAX_LENGTH].rstrip("._") if view else call


def _quantity(value: object) -> float:
    if value is None:
        return 1.0
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _reject("properties.quantity", "must be a number")
    if not math.isfinite(value) or value < 0:
        raise _reject("properties.quantity", "must be a finite number >= 0")
    return float(value)
