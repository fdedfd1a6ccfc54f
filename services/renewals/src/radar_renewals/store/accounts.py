"""Accounts: their row locks, their subscriptions and the people who own them."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Text, bindparam, select, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession

from radar_renewals.store.tables import accounts, subscription_facts
from radar_runtime.sql import among

People = tuple[dict[str, Any], dict[str, Any] | None]

# Inserted or locked one row at a time in key order, in one statement: two transactions
# locking overlapping sets never wait on each other in a cycle. `WHERE false` locks an
# existing row without writing a new version of it.
_LOCK = text(
    "INSERT INTO account_locks (account_id) SELECT DISTINCT unnest(:ids) ORDER BY 1 "
    "ON CONFLICT (account_id) DO UPDATE SET account_id = excluded.account_id WHERE false"
).bindparams(bindparam("ids", type_=ARRAY(Text)))


async def lock_accounts(session: AsyncSession, account_ids: Collection[str]) -> None:
    """Hold these accounts until the transaction ends: whoever re-derives an account's
    subscriptions next reads, once this commits, the facts this transaction wrote."""
    if account_ids:
        await session.execute(_LOCK, {"ids": list(account_ids)})


async def subscriptions_of(
    session: AsyncSession, account_times: Mapping[str, datetime]
) -> dict[str, datetime]:
    """The subscriptions of these accounts, each with its account's time."""
    if not account_times:
        return {}
    rows = await session.execute(
        select(subscription_facts.c.subscription_id, subscription_facts.c.account_id)
        .where(among(subscription_facts.c.account_id, account_times))
        .distinct()
    )
    return {r.subscription_id: account_times[r.account_id] for r in rows.all()}


async def load_people(session: AsyncSession, account_ids: Collection[str]) -> dict[str, People]:
    """Owner and manager (contract `Person` JSON) per account: only alerts need them."""
    if not account_ids:
        return {}
    rows = await session.execute(
        select(accounts.c.account_id, accounts.c.owner, accounts.c.manager).where(
            among(accounts.c.account_id, account_ids)
        )
    )
    return {account_id: (owner, manager) for account_id, owner, manager in rows.all()}
