"""The recompute queue: accounts whose usage changed since their last recompute."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from .arrays import arrays, insert_missing
from .tables import recompute_queue

_ENQUEUE = insert_missing(recompute_queue.c.account_id)


async def enqueue(session: AsyncSession, account_ids: Collection[str]) -> None:
    if account_ids:
        await session.execute(_ENQUEUE, arrays(account_id=account_ids))


async def claim(session: AsyncSession, limit: int) -> list[str]:
    """Up to `limit` queued accounts, deleted in the caller's transaction: a crash puts
    them back, and usage committed meanwhile queues the account again. Rows another
    replica holds are skipped."""
    claimed = (
        select(recompute_queue.c.account_id)
        .order_by(recompute_queue.c.account_id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    statement = (
        delete(recompute_queue)
        .where(recompute_queue.c.account_id.in_(claimed.scalar_subquery()))
        .returning(recompute_queue.c.account_id)
    )
    return list((await session.execute(statement)).scalars())
