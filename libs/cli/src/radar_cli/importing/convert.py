"""Rows of an export -> contract events, or the problems that keep a row out, each named
by line, column and reason. Pure: the caller passes the time.

One record becomes one event: accounts `account.upserted`, subscriptions
`subscription.upserted`, opportunities `renewal.opportunity_updated`, contacts
`contact.changed` (`left` when the left-company column says so, else `joined`), tickets
`ticket.closed` when closed, else `ticket.opened`. Its time is the record's last
modification, and its id a UUIDv5 of the source system, the kind, the record's id and
that time: importing the same export again gives the same ids (nothing changes), and an
updated export gives new ids only to the records that changed.
"""

from __future__ import annotations

import math
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from radar_schemas import EVENT_ADAPTER, describe_errors

from .mappings import OPTIONAL, Mapping
from .read import Row

IMPORT_NAMESPACE = uuid.UUID("5d0c2a8e-7b1f-5e34-9c6a-3f8e1d2b4a70")
# As ingest refuses them by default: older is a mistake, not history; later, the future.
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
MAX_AHEAD = timedelta(minutes=5)

EVENT_TYPE = {
    "accounts": "account.upserted",
    "subscriptions": "subscription.upserted",
    "opportunities": "renewal.opportunity_updated",
    "contacts": "contact.changed",
}
# Contract field paths -> the mapping's field, where the names differ.
_FIELD_OF_PATH = {
    "occurred_at": "modified_at",
    "payload.owner.name": "owner_name",
    "payload.owner.email": "owner_email",
    "payload.owner.slack_id": "owner_slack_id",
    "payload.manager.name": "manager_name",
    "payload.manager.email": "manager_email",
    "payload.change": "left",
}
_PRIORITY = {"medium": "normal", "critical": "urgent", "none": "normal"}
_ROLE = {
    "executive_sponsor": "exec_sponsor",
    "economic_buyer": "decision_maker",
    "economic_decision_maker": "decision_maker",
    "end_user": "user",
}
_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0", ""})
_NOT_MONEY = re.compile(r"[\s,$€£¥]")


@dataclass(frozen=True)
class Problem:
    line: int
    column: str
    reason: str


class _Bad(ValueError):
    """A value that cannot be read as its field; the message is the reason."""


class Converter:
    def __init__(self, kind: str, mapping: Mapping, *, now: datetime) -> None:
        self.kind = kind
        self.system = mapping.system
        self.columns = mapping.of(kind)
        self.now = now

    def convert(self, row: Row) -> dict[str, Any] | list[Problem]:
        values: dict[str, Any] = {}
        problems: list[Problem] = []
        for field, column in self.columns.items():
            raw = row.values.get(column, "").strip()
            try:
                value = _READERS.get(field, _text)(raw)
            except _Bad as exc:
                problems.append(Problem(row.line, column, str(exc)))
                continue
            if value is None and field not in OPTIONAL:
                problems.append(Problem(row.line, column, "required, and empty"))
            values[field] = value
        if problems:
            return problems
        event = self._event(values)
        try:
            EVENT_ADAPTER.validate_python(event)
        except ValidationError as exc:
            return [self._problem(row.line, d) for d in describe_errors(exc)]
        moment = values["modified_at"]
        column = self.columns["modified_at"]
        if moment < EARLIEST:
            return [Problem(row.line, column, f"before {EARLIEST.date()}, which ingest refuses")]
        if moment > self.now + MAX_AHEAD:
            return [Problem(row.line, column, "in the future")]
        return event

    def _event(self, values: dict[str, Any]) -> dict[str, Any]:
        record_id = values[_id_field(self.kind)]
        moment: datetime = values["modified_at"]
        key = f"{self.system}\n{self.kind}\n{record_id}\n{moment.isoformat()}"
        event_type = EVENT_TYPE.get(self.kind) or (
            "ticket.closed" if values.get("closed") else "ticket.opened"
        )
        return {
            "event_id": str(uuid.uuid5(IMPORT_NAMESPACE, key)),
            "type": event_type,
            "occurred_at": moment.isoformat(),
            "account_id": values["account_id"],
            "payload": _PAYLOADS[self.kind](values),
        }

    def _problem(self, line: int, detail: dict[str, str]) -> Problem:
        path = detail["field"]
        field = _FIELD_OF_PATH.get(path, path.removeprefix("payload."))
        column = self.columns.get(field, path)
        return Problem(line, column, detail["reason"])


def _id_field(kind: str) -> str:
    return {
        "accounts": "account_id",
        "subscriptions": "subscription_id",
        "opportunities": "opportunity_id",
        "contacts": "contact_id",
        "tickets": "ticket_id",
    }[kind]


def _text(raw: str) -> str | None:
    return raw or None


def _first_id(raw: str) -> str | None:
    # HubSpot lists several associated records as "id1;id2": the first is the account.
    return raw.split(";")[0].strip() or None


def _whole(raw: str) -> int | None:
    if not raw:
        return None
    try:
        number = float(raw.replace(",", ""))
    except ValueError:
        raise _Bad(f"must be a whole number, got {raw!r}") from None
    if not number.is_integer():
        raise _Bad(f"must be a whole number, got {raw!r}")
    return int(number)


def _money(raw: str) -> float | None:
    if not raw:
        return None
    try:
        amount = float(_NOT_MONEY.sub("", raw))
    except ValueError:
        raise _Bad(f"must be an amount, got {raw!r}") from None
    if not math.isfinite(amount):
        raise _Bad(f"must be an amount, got {raw!r}")
    return amount


def _instant(raw: str) -> datetime | None:
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise _Bad(f"must be a date and time such as 2025-03-03T09:15:00Z, got {raw!r}") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _day(raw: str) -> date | None:
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw).date()
    except ValueError:
        raise _Bad(f"must be a date such as 2025-05-31, got {raw!r}") from None


def _flag(raw: str) -> bool:
    text = raw.lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _Bad(f"must be true or false, got {raw!r}")


def _word(raw: str) -> str | None:
    # "Mid-Market" -> mid_market, "Best Case" -> best_case, "EMEA" -> emea
    return re.sub(r"[\s-]+", "_", raw.strip().lower()) or None


def _priority(raw: str) -> str | None:
    word = _word(raw)
    return _PRIORITY.get(word, word) if word else None


def _role(raw: str) -> str | None:
    word = _word(raw)
    return _ROLE.get(word, word) if word else None


_READERS = {
    "account_id": _first_id,
    "modified_at": _instant,
    "seats": _whole,
    "arr": _money,
    "amount": _money,
    "start_date": _day,
    "end_date": _day,
    "close_date": _day,
    "auto_renew": _flag,
    "escalated": _flag,
    "closed": _flag,
    "left": _flag,
    "segment": _word,
    "region": _word,
    "forecast_category": _word,
    "priority": _priority,
    "role": _role,
}


def _person(values: dict[str, Any], who: str) -> dict[str, Any] | None:
    name, email = values.get(f"{who}_name"), values.get(f"{who}_email")
    if name is None and email is None:
        return None
    person = {"name": name, "email": email}
    if values.get(f"{who}_slack_id"):
        person["slack_id"] = values[f"{who}_slack_id"]
    return person


def _without_none(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if v is not None}


_PAYLOADS = {
    "accounts": lambda v: _without_none(
        {
            "name": v.get("name"),
            "segment": v.get("segment"),
            "region": v.get("region"),
            "industry": v.get("industry"),
            "owner": _person(v, "owner") or {},
            "manager": _person(v, "manager"),
        }
    ),
    "subscriptions": lambda v: {
        "subscription_id": v.get("subscription_id"),
        "plan": v.get("plan"),
        "seats": v.get("seats"),
        "arr": v.get("arr"),
        "currency": v.get("currency"),
        "start_date": _iso(v.get("start_date")),
        "end_date": _iso(v.get("end_date")),
        "auto_renew": v.get("auto_renew", False),
    },
    "opportunities": lambda v: {
        "opportunity_id": v.get("opportunity_id"),
        "subscription_id": v.get("subscription_id"),
        "stage": v.get("stage"),
        "forecast_category": v.get("forecast_category"),
        "close_date": _iso(v.get("close_date")),
        "amount": v.get("amount"),
    },
    "contacts": lambda v: _without_none(
        {
            "contact_id": v.get("contact_id"),
            "role": v.get("role"),
            "change": "left" if v.get("left") else "joined",
            "name": v.get("name"),
            "email": v.get("email"),
        }
    ),
    "tickets": lambda v: _without_none(
        {
            "ticket_id": v.get("ticket_id"),
            "priority": v.get("priority"),
            "status": v.get("status"),
            "escalated": v.get("escalated", False),
            "subject": v.get("subject"),
        }
    ),
}


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day is not None else None
