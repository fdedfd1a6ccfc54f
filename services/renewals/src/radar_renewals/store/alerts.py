"""The renewal alerts raised and not yet resolved, per dedup key."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from radar_renewals.store.tables import active_alerts, resolved_alerts
from radar_runtime.sql import among, execute_many


async def active_alerts_of(session: AsyncSession, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Active alerts per subscription, without their payloads (see `alert_payloads`)."""
    table = active_alerts
    rows = await session.execute(
        select(
            table.c.dedup_key,
            table.c.subscription_id,
            table.c.account_id,
            table.c.rule,
            table.c.raised_at,
            table.c.stamped_at,
        )
        .where(among(active_alerts.c.subscription_id, ids))
        .order_by(active_alerts.c.raised_at, active_alerts.c.dedup_key)  # resolved in order
    )
    active: dict[str, dict[str, Any]] = {}
    for r in rows.all():
        active.setdefault(r.subscription_id, {})[r.dedup_key] = r
    return active


async def alert_payloads(session: AsyncSession, keys: Sequence[str]) -> dict[str, Any]:
    """The open alerts' payloads, loaded only for the ones resolved or shown again."""
    return await _by_key(session, active_alerts.c.alert, keys)


async def last_resolved(session: AsyncSession, keys: Sequence[str]) -> dict[str, datetime]:
    """When each of these dedup keys was last resolved (keys never resolved are absent)."""
    return await _by_key(session, resolved_alerts.c.resolved_at, keys)


async def _by_key(session: AsyncSession, column: Any, keys: Sequence[str]) -> dict[str, Any]:
    if not keys:
        return {}
    key = column.table.c.dedup_key
    rows = await session.execute(select(key, column).where(among(key, keys)))
    return {dedup_key: value for dedup_key, value in rows.all()}


async def write_alerts(
    session: AsyncSession,
    raised: Sequence[dict[str, Any]],
    resolved: Sequence[tuple[str, datetime]],
) -> None:
    """Raise new active alerts; move resolved ones (dedup key, when) out of them."""
    if resolved:
        keys = [key for key, _ in resolved]
        await session.execute(delete(active_alerts).where(among(active_alerts.c.dedup_key, keys)))
        statement = insert(resolved_alerts)
        await execute_many(
            session,
            statement.on_conflict_do_update(
                index_elements=[resolved_alerts.c.dedup_key],
                set_={
                    "resolved_at": func.greatest(
                        resolved_alerts.c.resolved_at, statement.excluded.resolved_at
                    )
                },
            ),
            [{"dedup_key": key, "resolved_at": at} for key, at in resolved],
        )
    await execute_many(session, insert(active_alerts).on_conflict_do_nothing(), raised)


async def update_alerts(session: AsyncSession, updates: Sequence[dict[str, Any]]) -> None:
    """New payloads of open alerts shown again, with the stamp they were sent with."""
    if updates:
        await session.execute(
            update(active_alerts)
            .where(active_alerts.c.dedup_key == bindparam("key"))
            .values(alert=bindparam("new_alert"), stamped_at=bindparam("new_stamp")),
            list(updates),
        )


async def alerts_of(session: AsyncSession, subscription_id: str) -> list[Row[Any]]:
    """A subscription's active alerts, in the order they were raised."""
    rows = await session.execute(
        select(active_alerts)
        .where(active_alerts.c.subscription_id == subscription_id)
        .order_by(active_alerts.c.raised_at)
    )
    return list(rows.all())
