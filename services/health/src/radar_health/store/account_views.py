"""Reads behind an account's page: its event timeline, usage by day, override history
and the score trends of many accounts at once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any
from uuid import UUID

from sqlalchemy import and_, func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from radar_health.domain.instants import utc_day
from radar_runtime.auth.store import read_audit
from radar_runtime.db import audit_log
from radar_runtime.sql import among

from .tables import account_events, contact_names, score_history, subscriptions, usage_daily

# What the timeline lists: the CRM and support events health logs, except who a contact
# is (a naming, not something that happened to the account).
TIMELINE_TYPES = (
    "ticket.opened",
    "ticket.updated",
    "ticket.closed",
    "nps.submitted",
    "csat.submitted",
    "engagement.logged",
    "contact.changed",
    "account.upserted",
    "subscription.upserted",
    "renewal.booked",
    "subscription.cancelled",
)


async def timeline(
    session: AsyncSession,
    account_id: str,
    before: tuple[datetime, UUID] | None,
    limit: int,
    types: Sequence[str] = TIMELINE_TYPES,
) -> Sequence[Any]:
    """Up to `limit` logged events, newest first (occurred_at, then event id), strictly
    before `before`; with the contact's name and the subscription's currency."""
    e, n, s = account_events.c, contact_names.c, subscriptions.c
    statement = (
        select(
            e.event_id,
            e.type,
            e.occurred_at,
            e.payload,
            n.name.label("contact_name"),
            n.email.label("contact_email"),
            s.currency,
        )
        .select_from(
            account_events.outerjoin(
                contact_names,
                and_(
                    n.account_id == e.account_id,
                    n.contact_id == e.payload["contact_id"].astext,
                ),
            ).outerjoin(subscriptions, s.subscription_id == e.payload["subscription_id"].astext)
        )
        .where(e.account_id == account_id, among(e.type, list(types)))
        .order_by(e.occurred_at.desc(), e.event_id.desc())
        .limit(limit)
    )
    if before is not None:
        statement = statement.where(tuple_(e.occurred_at, e.event_id) < tuple_(*before))
    return (await session.execute(statement)).all()


async def usage_by_day(
    session: AsyncSession, account_id: str, since: date
) -> dict[str, dict[date, float]]:
    """Each usage metric's daily total from `since` on."""
    u = usage_daily.c
    statement = (
        select(u.metric, u.day, u.total)
        .where(u.account_id == account_id, u.day >= since)
        .order_by(u.metric, u.day)
    )
    totals: dict[str, dict[date, float]] = defaultdict(dict)
    for metric, day, total in await session.execute(statement):
        totals[metric][day] = float(total)
    return dict(totals)


async def override_history(
    session: AsyncSession, account_id: str, before_id: int | None, limit: int
) -> list[dict[str, Any]]:
    """The account's override changes from the audit log, newest first."""
    return await read_audit(
        session,
        audit_log,
        before_id=before_id,
        limit=limit,
        target_type="account",
        target_id=account_id,
    )


async def last_scores_by_day(
    session: AsyncSession, account_ids: Sequence[str], since: datetime
) -> dict[str, list[tuple[date, float]]]:
    """Each account's shown score at the end of every UTC day from `since` on that has a
    point (its last point of the day), oldest first: one index range scan for every
    account, the last of each day kept here."""
    h = score_history.c
    statement = (
        select(h.account_id, h.at, func.coalesce(h.effective_score, h.score))
        .where(among(h.account_id, list(account_ids)), h.at >= since)
        .order_by(h.account_id, h.at)
    )
    days: dict[str, dict[date, float]] = defaultdict(dict)
    for account_id, at, score in await session.execute(statement):
        days[account_id][utc_day(at)] = float(score)  # later points of a day replace earlier
    return {account_id: list(by_day.items()) for account_id, by_day in days.items()}
