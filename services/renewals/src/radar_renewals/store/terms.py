"""What a refresh reads and writes besides the facts: stored terms, alerts, history."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Date, Text, bindparam, delete, select, text, tuple_
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncSession

from radar_renewals.store.tables import active_alerts, state_changes, terms
from radar_renewals.store.term_rows import TermRows
from radar_runtime.sql import among, execute_many, fetch_rows, write_rows

# Inserted or locked one row at a time in key order, in one statement: two transactions
# locking overlapping sets never wait on each other in a cycle. `WHERE false` locks an
# existing row without writing a new version of it.
_LOCK = text(
    "INSERT INTO account_locks (account_id) SELECT DISTINCT unnest(:ids) ORDER BY 1 "
    "ON CONFLICT (account_id) DO UPDATE SET account_id = excluded.account_id WHERE false"
).bindparams(bindparam("ids", type_=ARRAY(Text)))

# Unchanged terms only move their evaluation day: one statement, two array parameters.
_TOUCH = text(
    "UPDATE terms SET evaluated_on = :day "
    "FROM unnest(:subs, :starts) AS k(subscription_id, start_date) "
    "WHERE terms.subscription_id = k.subscription_id AND terms.start_date = k.start_date"
).bindparams(bindparam("subs", type_=ARRAY(Text)), bindparam("starts", type_=ARRAY(Date)))


@dataclass(frozen=True, slots=True)
class StoredTerm:
    state: str
    risk_band: str
    content_hash: str
    evaluated_on: date


async def lock_accounts(session: AsyncSession, account_ids: Collection[str]) -> None:
    """Hold these accounts until the transaction ends: whoever re-derives an account's
    subscriptions next reads, once this commits, the facts this transaction wrote."""
    if account_ids:
        await session.execute(_LOCK, {"ids": list(account_ids)})


_STORED = (
    "SELECT subscription_id, start_date, state, risk_band, content_hash, evaluated_on "
    "FROM terms WHERE subscription_id = ANY($1::text[])"
)


async def stored_terms(
    session: AsyncSession, ids: Sequence[str]
) -> dict[str, dict[date, StoredTerm]]:
    stored: dict[str, dict[date, StoredTerm]] = {}
    for subscription_id, start_date, *fields in await fetch_rows(session, _STORED, list(ids)):
        stored.setdefault(subscription_id, {})[start_date] = StoredTerm(*fields)
    return stored


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


_KEYS = ("subscription_id", "start_date")


async def write_terms(
    session: AsyncSession,
    *,
    changed: Sequence[TermRows],
    reevaluated: Sequence[TermRows],
    stale: Sequence[tuple[str, date]],
) -> None:
    """Rewrite changed terms, move `evaluated_on` of unchanged ones, drop vanished ones."""
    if stale:
        await session.execute(
            delete(terms).where(tuple_(terms.c.subscription_id, terms.c.start_date).in_(stale))
        )
    await write_rows(session, terms, [rows.row for rows in changed], conflict_keys=_KEYS)
    if reevaluated:
        await session.execute(
            _TOUCH,
            {
                "day": reevaluated[0].row["evaluated_on"],
                "subs": [rows.key[0] for rows in reevaluated],
                "starts": [rows.key[1] for rows in reevaluated],
            },
        )


async def write_history(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    await write_rows(session, state_changes, rows)


async def write_alerts(
    session: AsyncSession, raised: Sequence[dict[str, Any]], resolved_keys: Sequence[str]
) -> None:
    if resolved_keys:
        await session.execute(
            delete(active_alerts).where(among(active_alerts.c.dedup_key, resolved_keys))
        )
    await execute_many(session, insert(active_alerts).on_conflict_do_nothing(), raised)
