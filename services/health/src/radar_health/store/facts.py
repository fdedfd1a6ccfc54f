"""Everything the domain needs about a chunk of accounts, read with a few bulk queries.

One query per kind of fact for the whole chunk (`= ANY(:ids)`), never one per account.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Select,
    Text,
    column,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import any_

from radar_health.domain.assess import AccountFacts
from radar_health.domain.history import term_money
from radar_health.domain.instants import utc_day
from radar_health.domain.signals import (
    AccountSignals,
    ContactState,
    CsatResponse,
    NpsResponse,
    OpenTicket,
    nearest_renewal,
)
from radar_health.domain.usage_windows import GLOB_CHARACTERS, UsageSegments, glob_to_regex
from radar_health.rules import HealthRules
from radar_runtime.sql import among

from .arrays import arrays, unnested
from .tables import (
    account_users,
    accounts,
    contact_names,
    contacts,
    csat_responses,
    nps_responses,
    subscriptions,
    tickets,
    usage_daily,
)

T = TypeVar("T")

# One index probe per account (a join could scan every user of every account).
_window = unnested("w", column("account_id", Text), column("first_day", Date))
_users = (
    select(
        func.count().label("seen"),
        func.count().filter(account_users.c.last_seen >= _window.c.first_day).label("active"),
    )
    .where(account_users.c.account_id == _window.c.account_id)
    .lateral("c")
)
_ACTIVE_USERS = (
    select(_window.c.account_id, _users.c.active)
    .select_from(_window.join(_users, true()))
    .where(_users.c.seen > 0)
)


class FactsReader:
    """Reads facts for chunks of accounts under one set of rules."""

    def __init__(self, rules: HealthRules) -> None:
        self._rules = rules
        cards = rules.scorecard.every_card
        self._segments = UsageSegments.for_rules(cards, rules.alerts.usage_sharp_drop)
        metrics = rules.active_usage_metrics
        self._names = [m for m in metrics if not set(m) & GLOB_CHARACTERS]
        self._patterns = [glob_to_regex(m) for m in metrics if set(m) & GLOB_CHARACTERS]
        # Responses older than every window that reads them can never matter.
        self._response_days = max(
            rules.alerts.nps_detractor.clears_after_days,
            *(card.satisfaction.window_days for card in cards),
        )

    async def read(
        self, session: AsyncSession, account_ids: Sequence[str], as_of: datetime
    ) -> dict[str, AccountFacts]:
        if not account_ids:
            return {}
        today = utc_day(as_of)
        a = accounts.c
        known = select(
            *(a.account_id, a.name, a.segment, a.region, a.owner, a.manager),
            *(a.first_seen_at, a.last_engagement_at, a.tickets_seen, a.late_at),
        ).where(among(a.account_id, account_ids))
        base = {row.account_id: row for row in await session.execute(known)}
        ids = [i for i in account_ids if i in base]
        since = as_of - timedelta(days=self._response_days)
        first_days = [self._first_active_day(base[i].segment, today) for i in ids]
        users = {
            account_id: count
            for account_id, count in await session.execute(
                _ACTIVE_USERS, arrays(account_id=ids, first_day=first_days)
            )
        }
        usage = await self._usage(session, ids, today)
        subs = subscriptions.c
        active_subscriptions = await _grouped(
            session,
            select(subs.account_id, subs.seats, subs.arr, subs.currency, subs.end_date).where(
                among(subs.account_id, ids),
                subs.term_version_at.is_not(None),
                or_(subs.cancelled_at.is_(None), subs.term_version_at > subs.cancelled_at),
            ),
            lambda r: r,
        )
        open_tickets = await _grouped(
            session,
            select(
                *tickets.c["account_id", "ticket_id", "priority", "escalated", "opened_at"]
            ).where(among(tickets.c.account_id, ids), tickets.c.is_open),
            lambda r: OpenTicket(r.ticket_id, r.priority, r.escalated, r.opened_at),
        )
        nps = await _grouped(
            session,
            select(*nps_responses.c["account_id", "contact_id", "score", "at"]).where(
                among(nps_responses.c.account_id, ids), nps_responses.c.at > since
            ),
            lambda r: NpsResponse(r.contact_id, r.score, r.at),
        )
        csat = await _grouped(
            session,
            select(*csat_responses.c["account_id", "ticket_id", "score", "at"]).where(
                among(csat_responses.c.account_id, ids), csat_responses.c.at > since
            ),
            lambda r: CsatResponse(r.ticket_id, r.score, r.at),
        )
        contact_states = await _grouped(
            session,
            select(*contacts.c["account_id", "contact_id", "role", "present", "version_at"]).where(
                among(contacts.c.account_id, ids)
            ),
            lambda r: ContactState(r.contact_id, r.role, r.present, r.version_at),
        )

        names = await _grouped(
            session,
            select(*contact_names.c["account_id", "contact_id", "name"]).where(
                among(contact_names.c.account_id, ids), contact_names.c.name.is_not(None)
            ),
            lambda r: (r.contact_id, r.name),
        )

        facts = {}
        for account_id in ids:
            row = base[account_id]
            subs_of = active_subscriptions.get(account_id, [])
            seat_counts = [s.seats for s in subs_of if s.seats is not None]
            arr, currency = term_money([(s.arr, s.currency) for s in subs_of])
            signals = AccountSignals(
                account_id=account_id,
                segment=row.segment,
                seats=sum(seat_counts) if seat_counts else None,
                daily_active_usage=usage.get(account_id, {}),
                distinct_active_users=users.get(account_id),
                open_tickets=(
                    tuple(sorted(open_tickets.get(account_id, []), key=lambda t: t.ticket_id))
                    if row.tickets_seen
                    else None
                ),
                nps_responses=tuple(nps.get(account_id, ())),
                csat_responses=tuple(csat.get(account_id, ())),
                last_engagement_at=row.last_engagement_at,
                contacts=tuple(
                    sorted(contact_states.get(account_id, []), key=lambda c: c.contact_id)
                ),
                renewal_date=nearest_renewal([s.end_date for s in subs_of if s.end_date], today),
                first_seen_at=row.first_seen_at,
                late_at=row.late_at,
                contact_names=dict(names.get(account_id, ())),
            )
            facts[account_id] = AccountFacts(
                signals=signals,
                name=row.name,
                region=row.region,
                owner=row.owner,
                manager=row.manager,
                arr=arr,
                currency=currency,
            )
        return facts

    @property
    def usage_days(self) -> int:
        """How many days before today the usage windows reach."""
        return self._segments.end - 1

    def user_window_days(self) -> dict[str | None, int]:
        """The license-utilization window per segment (None: the default scorecard's)."""
        cards = self._rules.scorecard
        days: dict[str | None, int] = {None: cards.license_utilization.window_days}
        for segment in ("smb", "mid_market", "enterprise"):
            days[segment] = cards.for_segment(segment).license_utilization.window_days
        return days

    async def _usage(
        self, session: AsyncSession, ids: list[str], today: date
    ) -> dict[str, dict[date, float]]:
        """Active usage per account as one total per window segment (see usage_windows)."""
        u = usage_daily.c
        days_back = literal(today, Date) - u.day
        segment = func.width_bucket(days_back, literal(self._segments.thresholds, ARRAY(Integer)))
        statement = (
            select(u.account_id, segment, func.sum(u.total))
            .where(
                among(u.account_id, ids),
                u.day >= self._segments.first_day(today),
                u.day < today,
                self.active_metric(),
            )
            .group_by(u.account_id, segment)
        )
        usage: dict[str, dict[date, float]] = defaultdict(dict)
        for account_id, bucket, total in await session.execute(statement):
            usage[account_id][self._segments.day_of_bucket(bucket, today)] = float(total)
        return usage

    def active_metric(self) -> ColumnElement[bool]:
        """Exact metric names use the primary key (account, metric, day); only patterns
        need a regular expression."""
        matchers = []
        if self._names:
            matchers.append(among(usage_daily.c.metric, self._names))
        if self._patterns:
            patterns = literal(self._patterns, ARRAY(Text))
            matchers.append(usage_daily.c.metric.op("~")(any_(patterns)))
        return or_(*matchers)

    def _first_active_day(self, segment: str | None, today: date) -> date:
        """A user last seen on or after this day counts as active (the window ends today)."""
        days = self._rules.scorecard.for_segment(segment).license_utilization.window_days
        return today - timedelta(days=days - 1)


async def _grouped(
    session: AsyncSession, statement: Select[Any], build: Callable[[Any], T]
) -> dict[str, list[T]]:
    grouped: dict[str, list[T]] = defaultdict(list)
    for row in await session.execute(statement):
        grouped[row.account_id].append(build(row))
    return grouped
