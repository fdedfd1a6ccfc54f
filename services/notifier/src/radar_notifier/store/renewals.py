"""Renewal terms (`renewal_terms`) as `renewal.state_changed` tells them: renewals'
newest verdict on each term wins, whatever order they arrive in."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from radar_notifier.domain.former_customers import former_customers
from radar_notifier.domain.quality import Term
from radar_notifier.store.tables import renewal_terms
from radar_runtime.sql import among

r = renewal_terms


async def save(session: AsyncSession, terms: Sequence[Term]) -> None:
    """At most one of each term; what an older event told changes nothing."""
    if not terms:
        return
    rows = [
        {
            "subscription_id": t.subscription_id,
            "renewal_date": t.renewal_date,
            "account_id": t.account_id,
            "state": t.state,
            "arr": t.arr,
            "state_at": t.state_at,
            "decided_at": t.decided_at,
            "evaluated_at": t.evaluated_at,
        }
        for t in terms
    ]
    statement = insert(r)
    new = statement.excluded
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[r.c.subscription_id, r.c.renewal_date],
            set_={
                "account_id": new.account_id,
                "state": new.state,
                "arr": new.arr,
                "state_at": new.state_at,
                "evaluated_at": new.evaluated_at,
                # Still decided: the first time it was; reopened: open.
                "decided_at": case(
                    (new.decided_at.is_(None), None),
                    else_=func.least(func.coalesce(r.c.decided_at, new.decided_at), new.decided_at),
                ),
            },
            where=_verdict_order(r.c) <= _verdict_order(new),
        ),
        rows,
    )


async def former_customers_among(session: AsyncSession, accounts: Collection[str]) -> set[str]:
    return former_customers(await of_accounts(session, accounts))


async def of_accounts(session: AsyncSession, accounts: Collection[str]) -> list[Term]:
    if not accounts:
        return []
    rows = await session.execute(select(r).where(among(r.c.account_id, accounts)))
    return [
        Term(
            row.subscription_id,
            row.renewal_date,
            row.account_id,
            row.state,
            row.arr,
            row.state_at,
            row.decided_at,
            row.evaluated_at,
        )
        for row in rows
    ]


def _verdict_order(columns: Any) -> Any:
    # As Term.verdict_order: when renewals reached the verdict, else when its fact happened.
    return func.coalesce(columns.evaluated_at, columns.state_at)
