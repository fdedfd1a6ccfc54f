"""Each term's state and risk band changes, as `renewal.state_changed` announced them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from radar_renewals.store.tables import state_changes
from radar_runtime.sql import write_rows


async def write_changes(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    await write_rows(session, state_changes, rows)


async def changes_of(
    session: AsyncSession, subscription_id: str, limit: int, *, before: int | None = None
) -> list[Row[Any]]:
    """A subscription's changes before the change id `before` (all when None), the
    `limit` newest of them, newest first."""
    where = [state_changes.c.subscription_id == subscription_id]
    if before is not None:
        where.append(state_changes.c.id < before)
    rows = await session.execute(
        select(state_changes).where(*where).order_by(state_changes.c.id.desc()).limit(limit)
    )
    return list(rows.all())
