"""Term totals per renewal day (`term_totals` and the pending `term_total_changes`).

Triggers on `terms` append each statement's difference to `term_total_changes`, so a
range's figures are the sum of both tables: exact at any moment, whatever has been
folded. `fold` moves the pending changes into `term_totals`, keeping the list a reader
adds short; it runs every few seconds (`work.totals`).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Subquery, delete, func, select, text, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from radar_renewals.domain.terms import State
from radar_renewals.store.tables import (
    TOTAL_AMOUNTS,
    TOTAL_COUNTS,
    term_total_changes,
    term_totals,
)

MEASURES = (*TOTAL_COUNTS, *TOTAL_AMOUNTS)
_KEY = ("end_date", "currency", "segment", "region")
_ADDED = ", ".join(f"{m} = term_totals.{m} + excluded.{m}" for m in MEASURES)
# One statement: the changes seen are deleted and added, so a change committed meanwhile
# stays for the next fold (and readers see it in the changes until then).
_FOLD = text(
    f"WITH moved AS (DELETE FROM term_total_changes RETURNING *) "
    f"INSERT INTO term_totals ({', '.join((*_KEY, *MEASURES))}) "
    f"SELECT {', '.join(_KEY)}, {', '.join(f'sum({m})' for m in MEASURES)} FROM moved "
    f"GROUP BY {', '.join(_KEY)} "
    f"ON CONFLICT ({', '.join(_KEY)}) DO UPDATE SET {_ADDED}"
)


async def fold(session: AsyncSession, lock_key: int) -> int:
    """Fold the pending changes into the totals, one process at a time; returns how many
    change rows there were (0 also when another process holds the fold)."""
    if not await session.scalar(select(func.pg_try_advisory_xact_lock(lock_key))):
        return 0
    pending = int(await session.scalar(select(func.count()).select_from(term_total_changes)) or 0)
    if pending:
        await session.execute(_FOLD)
        # Every measure counts terms present, so a key without terms sums to zero.
        await session.execute(delete(term_totals).where(term_totals.c.due_count == 0))
    return pending


async def count_by_state(session: AsyncSession) -> dict[str, int]:
    """Terms per state."""
    every = all_totals()
    row = (
        await session.execute(select(*(func.sum(every.c[f"state_{s.value}"]) for s in State)))
    ).one()
    return {s.value: int(count or 0) for s, count in zip(State, row, strict=True)}


async def arr_at_risk(session: AsyncSession) -> dict[str, Decimal]:
    """ARR of the terms at risk, per currency that has any."""
    every = all_totals()
    rows = await session.execute(
        select(every.c.currency, func.sum(every.c.at_risk_arr))
        .group_by(every.c.currency)
        .having(func.sum(every.c.at_risk_count) > 0)
    )
    return {currency: Decimal(total) for currency, total in rows.all()}


def all_totals() -> Subquery:
    """The totals with the pending changes: sum it by key for exact figures."""
    names = (*_KEY, *MEASURES)
    return union_all(
        select(*(term_totals.c[n] for n in names)),
        select(*(term_total_changes.c[n] for n in names)),
    ).subquery("all_totals")
