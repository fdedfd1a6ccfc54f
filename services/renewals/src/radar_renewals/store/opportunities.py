"""An account's opportunity edits, newest first, for its timeline."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import func, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from radar_renewals.store.tables import accounts, opportunity_edits, subscription_facts


async def account_known(session: AsyncSession, account_id: str) -> bool:
    found = await session.execute(
        select(accounts.c.account_id).where(accounts.c.account_id == account_id)
    )
    return found.first() is not None


async def opportunity_edits_of(
    session: AsyncSession, account_id: str, before: tuple[datetime, UUID] | None, limit: int
) -> Sequence[Any]:
    """Up to `limit` edits, newest first by event time (then event id), strictly before
    `before`, each with its subscription's currency."""
    o, s = opportunity_edits.c, subscription_facts.c
    currency = (
        select(func.min(s.currency))
        .where(s.subscription_id == o.subscription_id)
        .scalar_subquery()
        .label("currency")
    )
    statement = (
        select(
            o.opportunity_id,
            o.subscription_id,
            o.stage,
            o.forecast_category,
            o.close_date,
            o.amount,
            o.version_at,
            o.version_id,
            currency,
        )
        .where(o.account_id == account_id)
        .order_by(o.version_at.desc(), o.version_id.desc())
        .limit(limit)
    )
    if before is not None:
        statement = statement.where(tuple_(o.version_at, o.version_id) < tuple_(*before))
    return (await session.execute(statement)).all()
