"""Each term's state and risk band changes, as `renewal.state_changed` announced them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from radar_renewals.store.tables import state_changes
from radar_runtime.sql import write_rows


async def write_history(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    await write_rows(session, state_changes, rows)
