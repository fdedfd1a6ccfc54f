"""Reads behind the API: an account's health, its history and open alerts, and the account
list. What is shown is worked out at read time (`overrides.shown_*`), so an expired
override stops counting at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Row, Text, cast, func, literal, select, tuple_
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession

from .overrides import (
    ACCOUNTS_WITH_HEALTH,
    OVERRIDE_COLUMNS,
    shown_band,
    shown_score,
    shown_source,
)
from .tables import account_health, accounts, health_overrides, open_alerts, score_history

_a, _h, _o = accounts.c, account_health.c, health_overrides.c

SortKey = Literal["score", "-score", "name", "-name", "updated", "-updated"]


async def account_known(session: AsyncSession, account_id: str) -> bool:
    statement = select(_a.account_id).where(_a.account_id == account_id)
    return (await session.execute(statement)).first() is not None


async def account_health_row(
    session: AsyncSession, account_id: str, now: datetime
) -> Row[Any] | None:
    """The account, its computed health, what is shown and its override (`override_of`)."""
    statement = (
        select(
            *accounts.c["account_id", "name", "segment", "region", "owner", "manager"],
            *account_health.c["as_of", "score", "band", "scorecard", "components", "missing"],
            shown_score(now).label("effective_score"),
            shown_band(now).label("effective_band"),
            shown_source(now).label("source"),
            *OVERRIDE_COLUMNS,
        )
        .select_from(ACCOUNTS_WITH_HEALTH)
        .where(_a.account_id == account_id)
    )
    return (await session.execute(statement)).first()


async def open_alert_titles(session: AsyncSession, account_id: str) -> Sequence[Row[Any]]:
    statement = (
        select(
            *open_alerts.c["alert_id", "rule", "severity", "dedup_key", "raised_at"],
            cast(open_alerts.c.payload, JSONB)["title"].astext.label("title"),
        )
        .where(open_alerts.c.account_id == account_id)
        .order_by(open_alerts.c.raised_at, open_alerts.c.dedup_key)
    )
    return (await session.execute(statement)).all()


async def score_at(session: AsyncSession, account_id: str, at: datetime) -> Row[Any] | None:
    """The latest history point at or before `at`."""
    statement = (
        select(score_history.c.at, score_history.c.score)
        .where(score_history.c.account_id == account_id, score_history.c.at <= at)
        .order_by(score_history.c.at.desc())
        .limit(1)
    )
    return (await session.execute(statement)).first()


async def history_since(
    session: AsyncSession, account_id: str, since: datetime, after: datetime | None, limit: int
) -> Sequence[Row[Any]]:
    """Up to `limit` points from `since` on, oldest first, strictly after `after`."""
    h = score_history.c
    statement = (
        select(*score_history.c["at", "score", "band", "effective_score", "effective_band"])
        .where(h.account_id == account_id, h.at >= since)
        .order_by(h.at)
        .limit(limit)
    )
    if after is not None:
        statement = statement.where(h.at > after)
    return (await session.execute(statement)).all()


@dataclass(frozen=True)
class Sort:
    kind: type  # the type of its value, as a cursor carries it
    ascending: ColumnElement[Any]  # never NULL, so keyset comparisons are plain
    descending: ColumnElement[Any]


def sort_of(key: SortKey, now: datetime) -> Sort:
    """The order of the account list; unscored accounts come last both ways by score."""
    name = key.lstrip("-")
    if name == "score":
        return Sort(
            float, func.coalesce(shown_score(now), 1000.0), func.coalesce(shown_score(now), -1.0)
        )
    if name == "name":
        by_name = func.coalesce(_a.name, _a.account_id)
        return Sort(str, by_name, by_name)
    updated = func.coalesce(_h.as_of, _a.first_seen_at)
    return Sort(datetime, updated, updated)


async def list_accounts(
    session: AsyncSession,
    *,
    now: datetime,
    band: str | None,
    segment: str | None,
    owner: str | None,
    sort: SortKey,
    limit: int,
    after: tuple[Any, str] | None,
    region: str | None = None,
    manager: str | None = None,
    name: str | None = None,
) -> list[Row[Any]]:
    """Up to `limit` accounts in `sort` order, strictly after `after` (the last item's
    sort value and account id: keyset pagination), with `sort_value` to continue from."""
    descending = sort.startswith("-")
    order = sort_of(sort, now)
    key = order.descending if descending else order.ascending
    statement = select(
        *accounts.c["account_id", "name", "segment", "region", "owner"],
        *account_health.c["as_of", "score", "band"],
        shown_score(now).label("effective_score"),
        shown_band(now).label("effective_band"),
        shown_source(now).label("source"),
        key.label("sort_value"),
    ).select_from(ACCOUNTS_WITH_HEALTH)
    if band is not None:
        statement = statement.where(shown_band(now) == band)
    if segment is not None:
        statement = statement.where(_a.segment == segment)
    if owner is not None:
        statement = statement.where(_a.owner_email == owner.strip().lower())
    if region is not None:
        statement = statement.where(_a.region == region)
    if manager is not None:
        manager_email = func.lower(_a.manager["email"].astext)
        statement = statement.where(manager_email == manager.strip().lower())
    if name is not None:
        pattern = "%" + name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        statement = statement.where(_a.name.ilike(pattern))
    if after is not None:
        value, account_id = after
        position = tuple_(key, _a.account_id)
        last = tuple_(literal(value, key.type), literal(account_id, Text))
        statement = statement.where(position < last if descending else position > last)
    if descending:
        statement = statement.order_by(key.desc(), _a.account_id.desc())
    else:
        statement = statement.order_by(key.asc(), _a.account_id.asc())
    return list((await session.execute(statement.limit(limit))).all())
