"""Verdicts on alerts (`feedback`): one per person per alert episode; a second verdict
from the same person replaces their first."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from radar_notifier.domain.actions import Reason
from radar_notifier.domain.notices import AlertRecord
from radar_notifier.store.tables import feedback
from radar_runtime.auth.roles import Principal

f = feedback


async def save(
    session: AsyncSession,
    record: AlertRecord,
    reason: Reason,
    note: str | None,
    by: Principal,
    at: datetime,
) -> Row[Any]:
    view = record.view
    statement = insert(f).values(
        dedup_key=record.state.dedup_key,
        raised_at=record.state.first_raised_at,
        alert_id=view.alert_id,
        rule=view.rule,
        account_id=view.account_id,
        reason=reason.value,
        note=note,
        by_subject=by.subject,
        by_name=by.name,
        by_email=by.email,
        via=by.via,
        at=at,
    )
    changed = ("alert_id", "reason", "note", "by_name", "by_email", "via", "at")
    upsert = statement.on_conflict_do_update(
        constraint="feedback_one_per_person",
        set_={name: statement.excluded[name] for name in changed},
    ).returning(*f.c)
    return (await session.execute(upsert)).one()


async def listed(
    session: AsyncSession,
    *,
    rule: str | None,
    account: Collection[str] | None,
    before_id: int | None,
    limit: int,
) -> Sequence[Row[Any]]:
    """Verdicts, newest first, from below the previous page's last id."""
    query: Select[Any] = select(f).order_by(f.c.id.desc()).limit(limit)
    if rule is not None:
        query = query.where(f.c.rule == rule)
    if account:
        query = query.where(f.c.account_id.in_(account))
    if before_id is not None:
        query = query.where(f.c.id < before_id)
    return (await session.execute(query)).all()
