"""An account's facts at any past instant, folded from its logged events.

The projection keeps only the newest state of a ticket, contact or subscription; the
score history by event time needs the state at the close of every past day. The fold
applies the account's CRM and support events in version order (`occurred_at`, then
`event_id`), exactly as the newest-wins tables compare them, so the facts it gives at
an instant are those the tables would hold had only the events before it arrived.
Usage comes as daily totals and the users seen per day.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from radar_health.domain.assess import AccountFacts
from radar_health.domain.instants import utc_day
from radar_health.domain.signals import (
    AccountSignals,
    ContactState,
    CsatResponse,
    NpsResponse,
    OpenTicket,
    nearest_renewal,
)


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    type: str
    occurred_at: datetime
    event_id: UUID
    payload: Mapping[str, Any]


@dataclass(frozen=True)
class FactLog:
    """Everything the fold reads about one account."""

    account_id: str
    first_seen_at: datetime
    events: Sequence[LoggedEvent]  # in version order
    active_usage: Mapping[date, float] = field(default_factory=dict)
    users: Mapping[date, Sequence[str]] = field(default_factory=dict)
    # Who the account is now: alerts name it as it is known today.
    name: str | None = None
    region: Any = None
    owner: dict[str, Any] | None = None
    manager: dict[str, Any] | None = None


@dataclass(slots=True)
class _Subscription:
    seats: int | None = None
    currency: str | None = None
    arr: float | None = None
    end_date: date | None = None
    term_at: datetime | None = None
    cancelled_at: datetime | None = None

    @property
    def active(self) -> bool:
        if self.term_at is None:
            return False
        return self.cancelled_at is None or self.term_at > self.cancelled_at


@dataclass(slots=True)
class _Ticket:
    priority: Any
    escalated: bool
    is_open: bool
    opened_at: datetime


class Fold:
    """The account's state after every event before an instant; instants only move on."""

    def __init__(
        self, log: FactLog, user_window_days: Mapping[str | None, int], usage_days: int
    ) -> None:
        """`user_window_days`: the license-utilization window per segment (None: the
        default scorecard's); `usage_days`: how far back the usage windows reach."""
        self._log = log
        self._windows = user_window_days
        self._usage_days = usage_days
        self._next = 0  # the first event not applied yet
        self._user_days = sorted(log.users)
        self._next_user_day = 0  # the first day of `_user_days` not seen yet
        self.segment: Any = None
        self._subscriptions: dict[str, _Subscription] = {}
        self._tickets: dict[str, _Ticket] = {}
        self._tickets_seen = False
        self._contacts: dict[str, ContactState] = {}
        self._names: dict[str, str] = {}
        self._last_engagement: datetime | None = None
        self._nps: list[NpsResponse] = []
        self._csat: list[CsatResponse] = []
        self._last_seen: dict[str, date] = {}

    def facts_at(self, instant: datetime) -> AccountFacts:
        """The facts of every event before `instant` (usage of the days before its day)."""
        self._apply_until(instant)
        today = utc_day(instant)
        self._see_users_until(today)
        log = self._log
        active = [s for s in self._subscriptions.values() if s.active]
        seats = [s.seats for s in active if s.seats is not None]
        window = self._windows.get(self.segment, self._windows[None])
        first_active = today - timedelta(days=window - 1)
        signals = AccountSignals(
            account_id=log.account_id,
            segment=self.segment,
            seats=sum(seats) if seats else None,
            daily_active_usage=self._usage_before(today),
            distinct_active_users=(
                sum(1 for day in self._last_seen.values() if day >= first_active)
                if self._last_seen
                else None
            ),
            open_tickets=(
                tuple(
                    OpenTicket(ticket_id, t.priority, t.escalated, t.opened_at)
                    for ticket_id, t in sorted(self._tickets.items())
                    if t.is_open
                )
                if self._tickets_seen
                else None
            ),
            nps_responses=tuple(self._nps),
            csat_responses=tuple(self._csat),
            last_engagement_at=self._last_engagement,
            contacts=tuple(c for _, c in sorted(self._contacts.items())),
            contact_names=dict(self._names),
            renewal_date=nearest_renewal([s.end_date for s in active if s.end_date], today),
            first_seen_at=log.first_seen_at,
        )
        arr, currency = term_money([(s.arr, s.currency) for s in active])
        return AccountFacts(
            signals=signals,
            name=log.name,
            region=log.region,
            owner=log.owner,
            manager=log.manager,
            arr=arr,
            currency=currency,
        )

    def _usage_before(self, today: date) -> dict[date, float]:
        daily = self._log.active_usage
        days = (today - timedelta(days=back) for back in range(1, self._usage_days + 1))
        return {day: daily[day] for day in days if day in daily}

    def _apply_until(self, instant: datetime) -> None:
        events = self._log.events
        while self._next < len(events) and events[self._next].occurred_at < instant:
            self._apply(events[self._next])
            self._next += 1

    def _see_users_until(self, today: date) -> None:
        """Users seen on the days before `today` (of its day, none is before the close)."""
        days = self._user_days
        while self._next_user_day < len(days) and days[self._next_user_day] < today:
            day = days[self._next_user_day]
            for user in self._log.users[day]:
                self._last_seen[user] = day
            self._next_user_day += 1

    def _apply(self, event: LoggedEvent) -> None:
        p, at = event.payload, event.occurred_at
        kind = event.type
        if kind == "account.upserted":
            self.segment = p["segment"]
        elif kind == "subscription.upserted":
            sub = self._subscriptions.setdefault(p["subscription_id"], _Subscription())
            sub.seats, sub.currency = p["seats"], p["currency"]
            sub.arr, sub.end_date, sub.term_at = p["arr"], date.fromisoformat(p["end_date"]), at
        elif kind == "renewal.booked":
            sub = self._subscriptions.setdefault(p["subscription_id"], _Subscription())
            sub.arr, sub.end_date = p["new_arr"], date.fromisoformat(p["new_end_date"])
            sub.term_at = at
        elif kind == "subscription.cancelled":
            self._subscriptions.setdefault(p["subscription_id"], _Subscription()).cancelled_at = at
        elif kind == "contact.changed":
            self._contacts[p["contact_id"]] = ContactState(
                p["contact_id"], p["role"], p["change"] == "joined", at
            )
            self._identify(p)
        elif kind == "contact.identified":
            self._identify(p)
        elif kind == "engagement.logged":
            self._last_engagement = at
        elif kind.startswith("ticket."):
            self._tickets_seen = True
            ticket = self._tickets.get(p["ticket_id"])
            opened = ticket.opened_at if ticket is not None else at
            self._tickets[p["ticket_id"]] = _Ticket(
                p["priority"], p["escalated"], kind != "ticket.closed", opened
            )
        elif kind == "nps.submitted":
            self._nps.append(NpsResponse(p["contact_id"], p["score"], at))
        elif kind == "csat.submitted":
            self._csat.append(CsatResponse(p["ticket_id"], p["score"], at))

    def _identify(self, p: Mapping[str, Any]) -> None:
        """Who a contact is: from the newest event that gives a name or an email."""
        if p.get("name") is not None or p.get("email") is not None:
            if p.get("name"):
                self._names[p["contact_id"]] = p["name"]
            else:
                self._names.pop(p["contact_id"], None)


def term_money(terms: Sequence[tuple[float | None, str | None]]) -> tuple[float | None, str | None]:
    """The ARR of the active terms and its currency. Amounts in different currencies are
    never added up: then there is no one ARR to show."""
    amounts = [(arr, currency) for arr, currency in terms if arr is not None]
    if not amounts:
        return None, None
    currencies = {currency for _, currency in amounts}
    if len(currencies) > 1:
        return None, None
    return math.fsum(arr for arr, _ in amounts), currencies.pop()
