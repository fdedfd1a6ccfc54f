"""Everything the domain needs about a chunk of accounts, read with a few bulk queries.

One query per kind of fact for the whole chunk (`= ANY(:ids)`), never one per account.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import TextClause, text
from sqlalchemy.ext.asyncio import AsyncSession

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
from radar_health.domain.usage_windows import GLOB_CHARACTERS, UsageSegments, glob_to_regex
from radar_health.rules import HealthRules

T = TypeVar("T")


_ACCOUNTS = text(
    """
    SELECT account_id, name, segment, region, owner, manager, first_seen_at,
           last_engagement_at, tickets_seen, late_usage_at
    FROM accounts WHERE account_id = ANY(CAST(:ids AS text[]))
    """
)
_ACTIVE_SUBSCRIPTIONS = text(
    """
    SELECT account_id, seats, arr, end_date FROM subscriptions
    WHERE account_id = ANY(CAST(:ids AS text[]))
      AND term_version_at IS NOT NULL
      AND (cancelled_at IS NULL OR term_version_at > cancelled_at)
    """
)
# One index probe per account (a join could scan every user of every account).
_ACTIVE_USERS = text(
    """
    SELECT w.account_id, c.active
    FROM unnest(CAST(:ids AS text[]), CAST(:first_days AS date[])) AS w(account_id, first_day)
    CROSS JOIN LATERAL (
        SELECT count(*) AS seen, count(*) FILTER (WHERE u.last_seen >= w.first_day) AS active
        FROM account_users u WHERE u.account_id = w.account_id
    ) AS c
    WHERE c.seen > 0
    """
)
# Exact metric names use the primary key (account, metric, day); only patterns need a regex.
_USAGE_SEGMENTS = """
    SELECT account_id, width_bucket(CAST(:today AS date) - day, CAST(:thresholds AS int[])),
           sum(total)
    FROM usage_daily
    WHERE account_id = ANY(CAST(:ids AS text[]))
      AND day >= CAST(:first_day AS date) AND day < CAST(:today AS date)
      AND ({metrics})
    GROUP BY 1, 2
    """
_EXACT_METRICS = "metric = ANY(CAST(:names AS text[]))"
_METRIC_PATTERNS = "metric ~ ANY(CAST(:patterns AS text[]))"
_OPEN_TICKETS = text(
    """
    SELECT account_id, ticket_id, priority, escalated, opened_at FROM tickets
    WHERE account_id = ANY(CAST(:ids AS text[])) AND is_open
    """
)
_NPS = text(
    """
    SELECT account_id, contact_id, score, at FROM nps_responses
    WHERE account_id = ANY(CAST(:ids AS text[])) AND at > :since
    """
)
_CSAT = text(
    """
    SELECT account_id, ticket_id, score, at FROM csat_responses
    WHERE account_id = ANY(CAST(:ids AS text[])) AND at > :since
    """
)
_CONTACTS = text(
    """
    SELECT account_id, contact_id, role, present, version_at FROM contacts
    WHERE account_id = ANY(CAST(:ids AS text[]))
    """
)


class FactsReader:
    """Reads facts for chunks of accounts under one configuration."""

    def __init__(self, rules: HealthRules) -> None:
        self._rules = rules
        self._segments = UsageSegments.for_rules(
            rules.scorecard.every_card, rules.alerts.usage_sharp_drop
        )
        metrics = rules.active_usage_metrics
        self._names = [m for m in metrics if not set(m) & GLOB_CHARACTERS]
        self._patterns = [glob_to_regex(m) for m in metrics if set(m) & GLOB_CHARACTERS]
        matchers = [_EXACT_METRICS] if self._names else []
        matchers += [_METRIC_PATTERNS] if self._patterns else []
        self._usage_query = text(_USAGE_SEGMENTS.format(metrics=" OR ".join(matchers)))
        cards = rules.scorecard.every_card
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
        base = {
            row.account_id: row
            for row in await session.execute(_ACCOUNTS, {"ids": list(account_ids)})
        }
        ids = [i for i in account_ids if i in base]
        params = {"ids": ids}
        responses = {"ids": ids, "since": as_of - timedelta(days=self._response_days)}
        first_days = [self._first_active_day(base[i].segment, today) for i in ids]
        users = {
            account_id: count
            for account_id, count in await session.execute(
                _ACTIVE_USERS, {"ids": ids, "first_days": first_days}
            )
        }
        usage = await self._usage(session, ids, today)
        subscriptions = await _grouped(session, _ACTIVE_SUBSCRIPTIONS, params, lambda r: r)
        tickets = await _grouped(
            session,
            _OPEN_TICKETS,
            params,
            lambda r: OpenTicket(r.ticket_id, r.priority, r.escalated, r.opened_at),
        )
        nps = await _grouped(
            session, _NPS, responses, lambda r: NpsResponse(r.contact_id, r.score, r.at)
        )
        csat = await _grouped(
            session, _CSAT, responses, lambda r: CsatResponse(r.ticket_id, r.score, r.at)
        )
        contacts = await _grouped(
            session,
            _CONTACTS,
            params,
            lambda r: ContactState(r.contact_id, r.role, r.present, r.version_at),
        )

        facts = {}
        for account_id in ids:
            row = base[account_id]
            subs = subscriptions.get(account_id, [])
            seat_counts = [s.seats for s in subs if s.seats is not None]
            arrs = [s.arr for s in subs if s.arr is not None]
            signals = AccountSignals(
                account_id=account_id,
                segment=row.segment,
                seats=sum(seat_counts) if seat_counts else None,
                daily_active_usage=usage.get(account_id, {}),
                distinct_active_users=users.get(account_id),
                open_tickets=(
                    tuple(sorted(tickets.get(account_id, []), key=lambda t: t.ticket_id))
                    if row.tickets_seen
                    else None
                ),
                nps_responses=tuple(nps.get(account_id, ())),
                csat_responses=tuple(csat.get(account_id, ())),
                last_engagement_at=row.last_engagement_at,
                contacts=tuple(sorted(contacts.get(account_id, []), key=lambda c: c.contact_id)),
                renewal_date=nearest_renewal([s.end_date for s in subs if s.end_date], today),
                first_seen_at=row.first_seen_at,
                late_usage_at=row.late_usage_at,
            )
            facts[account_id] = AccountFacts(
                signals=signals,
                name=row.name,
                region=row.region,
                owner=row.owner,
                manager=row.manager,
                arr=math.fsum(arrs) if arrs else None,
            )
        return facts

    async def _usage(
        self, session: AsyncSession, ids: list[str], today: date
    ) -> dict[str, dict[date, float]]:
        """Active usage per account as one total per window segment (see usage_windows)."""
        params: dict[str, Any] = {
            "ids": ids,
            "today": today,
            "first_day": self._segments.first_day(today),
            "thresholds": self._segments.thresholds,
        }
        if self._names:
            params["names"] = self._names
        if self._patterns:
            params["patterns"] = self._patterns
        usage: dict[str, dict[date, float]] = defaultdict(dict)
        for account_id, bucket, total in await session.execute(self._usage_query, params):
            usage[account_id][self._segments.day_of_bucket(bucket, today)] = float(total)
        return usage

    def _first_active_day(self, segment: str | None, today: date) -> date:
        """A user last seen on or after this day counts as active (the window ends today)."""
        days = self._rules.scorecard.for_segment(segment).license_utilization.window_days
        return today - timedelta(days=days - 1)


async def _grouped(
    session: AsyncSession,
    statement: TextClause,
    params: dict[str, Any],
    build: Callable[[Any], T],
) -> dict[str, list[T]]:
    grouped: dict[str, list[T]] = defaultdict(list)
    for row in await session.execute(statement, params):
        grouped[row.account_id].append(build(row))
    return grouped
