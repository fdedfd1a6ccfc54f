"""Managers' forecast calls: every call kept, the newest per renewal pointed at."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Row, and_, case, func, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from radar_renewals.domain.calls import APART, RANK, Call
from radar_renewals.store.tables import accounts, current_calls, manager_calls, terms
from radar_runtime.sql import among


async def write_call(
    session: AsyncSession, subscription_id: str, renewal_date: date, call: Call
) -> Row[Any]:
    """Add the call to the renewal's history and make it the current one."""
    row = (
        await session.execute(
            insert(manager_calls)
            .values(
                subscription_id=subscription_id,
                renewal_date=renewal_date,
                category=call.category.value,
                next_step=call.next_step,
                next_step_date=call.next_step_date,
                note=call.note,
                by_subject=call.by_subject,
                by_name=call.by_name,
                by_email=call.by_email,
                at=call.at,
            )
            .returning(*manager_calls.c)
        )
    ).one()
    statement = insert(current_calls).values(
        subscription_id=subscription_id,
        renewal_date=renewal_date,
        call_id=row.id,
        category=call.category.value,
    )
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[current_calls.c.subscription_id, current_calls.c.renewal_date],
            set_={"call_id": statement.excluded.call_id, "category": statement.excluded.category},
        )
    )
    return row


async def current_call(
    session: AsyncSession, subscription_id: str, renewal_date: date, *, lock: bool = False
) -> Row[Any] | None:
    """The newest call on a renewal; `lock` holds the renewal's current call row (or its
    absence) until the transaction ends, so two calls at once are recorded in order."""
    query = (
        select(manager_calls)
        .join(current_calls, current_calls.c.call_id == manager_calls.c.id)
        .where(
            current_calls.c.subscription_id == subscription_id,
            current_calls.c.renewal_date == renewal_date,
        )
    )
    if lock:
        query = query.with_for_update(of=current_calls)
    return (await session.execute(query)).one_or_none()


async def calls_of(
    session: AsyncSession, subscription_id: str, limit: int, *, before: int | None = None
) -> list[Row[Any]]:
    """A subscription's calls (every renewal), newest first, before the call id `before`."""
    where = [manager_calls.c.subscription_id == subscription_id]
    if before is not None:
        where.append(manager_calls.c.id < before)
    rows = await session.execute(
        select(manager_calls).where(*where).order_by(manager_calls.c.id.desc()).limit(limit)
    )
    return list(rows.all())


async def current_calls_of(
    session: AsyncSession, keys: Sequence[tuple[str, date]]
) -> dict[tuple[str, date], Row[Any]]:
    """The newest call of each of these renewals (subscription, renewal date) that has one."""
    if not keys:
        return {}
    subscriptions = sorted({subscription for subscription, _ in keys})
    rows = await session.execute(
        select(manager_calls)
        .join(current_calls, current_calls.c.call_id == manager_calls.c.id)
        .where(current_calls.c.subscription_id.in_(subscriptions))
    )
    wanted = set(keys)
    found = {(r.subscription_id, r.renewal_date): r for r in rows.all()}
    return {key: row for key, row in found.items() if key in wanted}


# A term's current call: joined one to one (the key of `current_calls`).
CALL_OF_TERM = and_(
    current_calls.c.subscription_id == terms.c.subscription_id,
    current_calls.c.renewal_date == terms.c.end_date,
)


def _rank(column: Any) -> Any:
    return case(RANK, value=column, else_=None)


async def disagreements(
    session: AsyncSession, start: date, end: date, limit: int
) -> list[Row[Any]]:
    """Open terms due in the range whose CRM category, model category and manager call
    disagree (`calls.disagree`), largest ARR first, with their call."""
    crm, model, call = (
        _rank(terms.c.forecast_category),
        _rank(terms.c.model_category),
        _rank(current_calls.c.category),
    )
    apart = or_(
        func.abs(crm - model) >= APART,
        func.abs(call - crm) >= APART,
        func.abs(call - model) >= APART,
    )
    rows = await session.execute(
        select(terms, current_calls.c.category.label("call_category"))
        .select_from(terms.outerjoin(current_calls, CALL_OF_TERM))
        .where(terms.c.is_open, terms.c.end_date.between(start, end), apart)
        .order_by(terms.c.arr.desc(), terms.c.subscription_id)
        .limit(limit)
    )
    return list(rows.all())


async def people_of(session: AsyncSession, account_ids: Collection[str]) -> dict[str, Row[Any]]:
    """Who owns and manages each account, and where it sits: what a call's rights check."""
    a = accounts.c
    query = select(a.account_id, a.owner, a.manager, a.segment, a.region)
    rows = await session.execute(query.where(among(a.account_id, account_ids)))
    return {row.account_id: row for row in rows}
