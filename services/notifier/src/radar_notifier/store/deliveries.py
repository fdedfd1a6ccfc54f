"""The delivery log (`deliveries`): a row per digest, written with its rendered message
before the first attempt, then every attempt's outcome."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, bindparam, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from radar_notifier.domain.digest import Digest
from radar_notifier.store.tables import deliveries

d = deliveries


@dataclass(frozen=True)
class NewDelivery:
    idempotency_key: str
    digest: Digest
    headline: str
    payload: dict[str, Any]
    # The earliest occurred_at of the notices it carries: latency is measured from it.
    first_occurred_at: datetime


@dataclass(frozen=True)
class Attempt:
    """One send attempt's outcome: sent, pending (retried at `next_attempt_at`) or failed."""

    id: int
    status: str
    attempts: int
    at: datetime
    error: str | None
    next_attempt_at: datetime | None = None


async def add(session: AsyncSession, new: Sequence[NewDelivery], now: datetime) -> None:
    """Insert, due at once; a delivery whose idempotency key exists is left as it is."""
    if not new:
        return
    rows = [
        {
            "idempotency_key": n.idempotency_key,
            "channel": n.digest.recipient.kind.value,
            "recipient": n.digest.recipient.address,
            "recipient_key": n.digest.recipient.key,
            "route": n.digest.recipient.route,
            "headline": n.headline,
            "payload": n.payload,
            "alert_ids": [item.alert.alert_id for item in n.digest.items],
            "dedup_keys": [item.alert.dedup_key for item in n.digest.items],
            "first_occurred_at": n.first_occurred_at,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
        for n in new
    ]
    await session.execute(
        insert(d).on_conflict_do_nothing(index_elements=[d.c.idempotency_key]), rows
    )


async def lock_due(session: AsyncSession, now: datetime, limit: int) -> Sequence[Row[Any]]:
    """Up to `limit` pending deliveries due at `now`, oldest first, locked; rows another
    replica holds are skipped, not waited for."""
    query = (
        select(d)
        .where(d.c.status == "pending", d.c.next_attempt_at <= now)
        .order_by(d.c.next_attempt_at, d.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return (await session.execute(query)).all()


async def record_attempts(session: AsyncSession, attempts: Sequence[Attempt]) -> None:
    if not attempts:
        return
    await session.execute(
        update(d)
        .where(d.c.id == bindparam("b_id"))
        .values(
            status=bindparam("b_status"),
            attempts=bindparam("b_attempts"),
            next_attempt_at=bindparam("b_next"),
            last_attempt_at=bindparam("b_last"),
            last_error=bindparam("b_error"),
            sent_at=bindparam("b_sent"),
            failed_at=bindparam("b_failed"),
        ),
        [
            {
                "b_id": a.id,
                "b_status": a.status,
                "b_attempts": a.attempts,
                "b_next": a.next_attempt_at,
                "b_last": a.at,
                "b_error": a.error,
                "b_sent": a.at if a.status == "sent" else None,
                "b_failed": a.at if a.status == "failed" else None,
            }
            for a in attempts
        ],
    )


async def listed(
    session: AsyncSession,
    *,
    status: str | None,
    channel: str | None,
    before_id: int | None,
    limit: int,
) -> Sequence[Row[Any]]:
    """The delivery log, newest first, from below the previous page's last id."""
    query: Select[Any] = select(d).order_by(d.c.id.desc())
    if before_id is not None:
        query = query.where(d.c.id < before_id)
    if status is not None:
        query = query.where(d.c.status == status)
    if channel is not None:
        query = query.where(d.c.channel == channel)
    return (await session.execute(query.limit(limit))).all()


async def count_pending(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).where(d.c.status == "pending")) or 0)


async def purge_sent(session: AsyncSession, before: datetime) -> None:
    """Sent deliveries older than `before`; failed ones are always kept."""
    await session.execute(delete(d).where(d.c.status == "sent", d.c.sent_at < before))
