"""Alert episodes (`episodes`): one row per raise of a dedup_key, by event time, with
when it resolved, was first told, acknowledged and snoozed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from sqlalchemy import and_, bindparam, func, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from radar_notifier.domain.notices import AlertRecord
from radar_notifier.store.tables import episodes

e = episodes

# An episode is named by its alert's dedup_key and the event time it was raised at.
EpisodeKey = tuple[str, datetime]


def key_of(record: AlertRecord) -> EpisodeKey | None:
    """The record's current episode; None when only a resolve was ever seen."""
    raised_at = record.state.first_raised_at
    return None if raised_at is None else (record.state.dedup_key, raised_at)


async def save(session: AsyncSession, records: Iterable[AlertRecord], now: datetime) -> None:
    """The records' current episodes: added when new, their resolution kept up to date."""
    rows = []
    for record in records:
        key = key_of(record)
        if key is None:
            continue
        view = record.view
        rows.append(
            {
                "dedup_key": key[0],
                "raised_at": key[1],
                "resolved_at": None if record.raised else record.state.resolved_at,
                "alert_id": view.alert_id,
                "rule": view.rule,
                "severity": view.severity.value,
                "account_id": view.account_id,
                "subscription_id": view.subscription_id,
                "received_at": now,
            }
        )
    if not rows:
        return
    statement = insert(e)
    changing = ("resolved_at", "alert_id", "severity", "subscription_id")
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[e.c.dedup_key, e.c.raised_at],
            set_={name: statement.excluded[name] for name in changing},
        ),
        rows,
    )


Marked = Literal["notified_at", "acked_at", "snoozed_at"]


async def mark(
    session: AsyncSession, column: Marked, keys: Iterable[EpisodeKey], at: datetime
) -> None:
    """Note the first time an episode was told, acknowledged or snoozed."""
    params = [{"b_key": key, "b_raised": raised_at} for key, raised_at in set(keys)]
    if not params:
        return
    await session.execute(
        update(e)
        .where(and_(e.c.dedup_key == bindparam("b_key"), e.c.raised_at == bindparam("b_raised")))
        .values({column: func.coalesce(e.c[column], at)}),
        params,
    )
