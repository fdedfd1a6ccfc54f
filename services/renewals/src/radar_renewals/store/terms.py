"""The `terms` table: each subscription term as last evaluated, and what is counted over it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Date, Row, Text, bindparam, delete, func, select, text, tuple_
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from radar_renewals.store.tables import terms
from radar_renewals.store.term_rows import TermRows
from radar_runtime.sql import fetch_rows, write_rows

# Unchanged terms only move their evaluation day: one statement, two array parameters.
_TOUCH = text(
    "UPDATE terms SET evaluated_on = :day "
    "FROM unnest(:subs, :starts) AS k(subscription_id, start_date) "
    "WHERE terms.subscription_id = k.subscription_id AND terms.start_date = k.start_date"
).bindparams(bindparam("subs", type_=ARRAY(Text)), bindparam("starts", type_=ARRAY(Date)))


@dataclass(frozen=True, slots=True)
class StoredTerm:
    state: str
    risk_band: str
    content_hash: str
    evaluated_on: date


# Through the driver (`fetch_rows`): a refresh reads the stored terms of thousands of
# subscriptions at once, where SQLAlchemy's row objects cost more than the query.
_STORED = (
    "SELECT subscription_id, start_date, state, risk_band, content_hash, evaluated_on "
    "FROM terms WHERE subscription_id = ANY($1::text[])"
)


async def stored_terms(
    session: AsyncSession, ids: Sequence[str]
) -> dict[str, dict[date, StoredTerm]]:
    stored: dict[str, dict[date, StoredTerm]] = {}
    for subscription_id, start_date, *fields in await fetch_rows(session, _STORED, list(ids)):
        stored.setdefault(subscription_id, {})[start_date] = StoredTerm(*fields)
    return stored


_KEYS = ("subscription_id", "start_date")


async def write_terms(
    session: AsyncSession,
    *,
    changed: Sequence[TermRows],
    reevaluated: Sequence[TermRows],
    stale: Sequence[tuple[str, date]],
) -> None:
    """Rewrite changed terms, move `evaluated_on` of unchanged ones, drop vanished ones."""
    if stale:
        await session.execute(
            delete(terms).where(tuple_(terms.c.subscription_id, terms.c.start_date).in_(stale))
        )
    await write_rows(session, terms, [rows.row for rows in changed], conflict_keys=_KEYS)
    if reevaluated:
        await session.execute(
            _TOUCH,
            {
                "day": reevaluated[0].row["evaluated_on"],
                "subs": [rows.key[0] for rows in reevaluated],
                "starts": [rows.key[1] for rows in reevaluated],
            },
        )


async def unevaluated_open(
    session: AsyncSession, today: date, *, after: str, limit: int
) -> list[tuple[str, str]]:
    """(subscription, account) of subscriptions with an open term evaluated before
    `today`, by id from `after` on: keyset pagination, so one that fails to re-derive
    is passed over rather than selected again forever."""
    rows = await session.execute(
        select(terms.c.subscription_id, func.min(terms.c.account_id))
        .where(terms.c.is_open, terms.c.evaluated_on < today, terms.c.subscription_id > after)
        .group_by(terms.c.subscription_id)
        .order_by(terms.c.subscription_id)
        .limit(limit)
    )
    return [(subscription_id, account_id) for subscription_id, account_id in rows.all()]


async def first_renewal_date(session: AsyncSession) -> date | None:
    """The earliest renewal date of any term (None without terms)."""
    first: date | None = await session.scalar(select(func.min(terms.c.end_date)))
    return first


async def closed_subscriptions(session: AsyncSession, due_from: date, due_to: date) -> list[str]:
    """Subscriptions with a closed (renewed or churned) term due in the range, by id."""
    rows = await session.execute(
        select(terms.c.subscription_id)
        .where(terms.c.end_date.between(due_from, due_to), ~terms.c.is_open)
        .group_by(terms.c.subscription_id)
        .order_by(terms.c.subscription_id)
    )
    return list(rows.scalars())


@dataclass(frozen=True)
class TermFilter:
    """Which terms a list shows; None (or no states) leaves a column unfiltered."""

    due_from: date | None = None
    due_to: date | None = None
    states: Sequence[str] = ()
    segment: str | None = None
    region: str | None = None
    risk_band: str | None = None
    owner: str | None = None  # an email, in any case
    accounts: Sequence[str] = ()  # account_ids; none: every account

    def conditions(self) -> list[ColumnElement[bool]]:
        found = []
        if self.due_from is not None:
            found.append(terms.c.end_date >= self.due_from)
        if self.due_to is not None:
            found.append(terms.c.end_date <= self.due_to)
        if self.states:
            found.append(terms.c.state.in_(self.states))
        for column in ("segment", "region", "risk_band"):
            value = getattr(self, column)
            if value is not None:
                found.append(terms.c[column] == value)
        if self.owner is not None:
            found.append(func.lower(terms.c.owner) == self.owner.strip().lower())
        if self.accounts:
            found.append(terms.c.account_id.in_(self.accounts))
        return found


async def page_of_terms(
    session: AsyncSession, shown: TermFilter, *, limit: int, offset: int
) -> tuple[int, list[Row[Any]]]:
    """How many terms match, and one page of them by renewal date."""
    conditions = shown.conditions()
    total = await session.scalar(select(func.count()).select_from(terms).where(*conditions))
    rows = await session.execute(
        select(terms)
        .where(*conditions)
        .order_by(terms.c.end_date, terms.c.subscription_id, terms.c.start_date)
        .limit(limit)
        .offset(offset)
    )
    return total or 0, list(rows.all())


async def terms_of(session: AsyncSession, subscription_id: str) -> list[Row[Any]]:
    """Every term of one subscription, oldest first."""
    rows = await session.execute(
        select(terms).where(terms.c.subscription_id == subscription_id).order_by(terms.c.start_date)
    )
    return list(rows.all())


async def largest_at_risk(
    session: AsyncSession, due_from: date, due_to: date, limit: int
) -> list[Row[Any]]:
    """Terms at risk due in the range, largest ARR first."""
    rows = await session.execute(
        select(terms)
        .where(terms.c.end_date.between(due_from, due_to), terms.c.at_risk)
        .order_by(terms.c.arr.desc(), terms.c.end_date)
        .limit(limit)
    )
    return list(rows.all())
