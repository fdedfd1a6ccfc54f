"""The renewal alerts raised and not yet resolved, per dedup key."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from radar_renewals.store.tables import active_alerts
from radar_runtime.sql import among, execute_many


async def active_alerts_of(session: AsyncSession, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Active alerts per subscription, without their payloads (see `alert_payloads`)."""
    table = active_alerts
    rows = await session.execute(
        select(table.c.dedup_key, table.c.subscription_id, table.c.account_id, table.c.rule)
        .where(among(active_alerts.c.subscription_id, ids))
        .order_by(active_alerts.c.raised_at, active_alerts.c.dedup_key)  # resolved in order
    )
    active: dict[str, dict[str, Any]] = {}
    for r in rows.all():
        active.setdefault(r.subscription_id, {})[r.dedup_key] = r
    return active


async def alert_payloads(session: AsyncSession, keys: Sequence[str]) -> dict[str, Any]:
    """The raised alerts' payloads, loaded only for the ones being resolved."""
    if not keys:
        return {}
    rows = await session.execute(
        select(active_alerts.c.dedup_key, active_alerts.c.alert).where(
            among(active_alerts.c.dedup_key, keys)
        )
    )
    return {row.dedup_key: row.alert for row in rows.all()}


async def write_alerts(
    session: AsyncSession, raised: Sequence[dict[str, Any]], resolved_keys: Sequence[str]
) -> None:
    if resolved_keys:
        await session.execute(
            delete(active_alerts).where(among(active_alerts.c.dedup_key, resolved_keys))
        )
    await execute_many(session, insert(active_alerts).on_conflict_do_nothing(), raised)


async def alerts_of(session: AsyncSession, subscription_id: str) -> list[Row[Any]]:
    """A subscription's active alerts, in the order they were raised."""
    rows = await session.execute(
        select(active_alerts)
        .where(active_alerts.c.subscription_id == subscription_id)
        .order_by(active_alerts.c.raised_at)
    )
    return list(rows.all())
