"""What the rule quality report counts, per rule, over episodes raised in a period."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, extract, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from radar_notifier.domain.quality import FiredOn
from radar_notifier.store.tables import episodes, feedback
from radar_runtime.sql import among

e = episodes


async def episode_counts(
    session: AsyncSession, start: datetime, end: datetime
) -> Sequence[Row[Any]]:
    """Per rule: episodes raised, told, acknowledged, snoozed, and the median seconds
    from the first message (or from arrival, when none went out) to the acknowledgement."""
    to_ack = extract("epoch", e.c.acked_at - func.coalesce(e.c.notified_at, e.c.received_at))
    query = (
        select(
            e.c.rule,
            func.count().label("raised"),
            func.count(e.c.notified_at).label("notified"),
            func.count(e.c.acked_at).label("acked"),
            func.count(e.c.snoozed_at).label("snoozed"),
            func.percentile_cont(0.5).within_group(to_ack).label("median_seconds_to_ack"),
        )
        .where(e.c.raised_at >= start, e.c.raised_at < end)
        .group_by(e.c.rule)
    )
    return (await session.execute(query)).all()


async def verdict_counts(
    session: AsyncSession, start: datetime, end: datetime
) -> Sequence[Row[Any]]:
    """Per rule and reason: "not useful" verdicts on episodes raised in the period."""
    f = feedback
    query = (
        select(f.c.rule, f.c.reason, func.count().label("verdicts"))
        .where(f.c.raised_at >= start, f.c.raised_at < end)
        .group_by(f.c.rule, f.c.reason)
    )
    return (await session.execute(query)).all()


async def fired_on(
    session: AsyncSession, rules: Collection[str], start: datetime, end: datetime
) -> list[FiredOn]:
    """Each account each of `rules` fired on in the period, at its first episode."""
    query = (
        select(e.c.rule, e.c.account_id, func.min(e.c.raised_at).label("raised_at"))
        .where(among(e.c.rule, rules), e.c.raised_at >= start, e.c.raised_at < end)
        .group_by(e.c.rule, e.c.account_id)
    )
    return [FiredOn(r.rule, r.account_id, r.raised_at) for r in await session.execute(query)]
