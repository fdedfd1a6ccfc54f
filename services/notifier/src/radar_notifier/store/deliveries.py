"""The delivery log (`deliveries`): a row per digest, written with its rendered message
before the first attempt, then every attempt: marked `sending` before the message goes
out, its outcome recorded after.

While a sender has rows out it holds a session-level advisory lock per row on its
connection. PostgreSQL drops those locks when the sender's connection ends, so a row
still `sending` whose lock can be taken was cut short by a crash: its outcome is
unknown and it is sent again, counted as interrupted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, Select, bindparam, delete, func, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from radar_notifier.domain.digest import Digest
from radar_notifier.store.tables import deliveries
from radar_runtime.db import advisory_key

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


@dataclass(frozen=True)
class Interrupted:
    id: int
    channel: str


def _claim_key(space: str, delivery_id: int) -> int:
    return advisory_key(space, "delivery", str(delivery_id))


async def recover_interrupted(
    session: AsyncSession, now: datetime, space: str
) -> list[Interrupted]:
    """Rows left `sending` by a sender that is gone (its claim lock is free): pending
    again, due now, the cut-short attempt noted. `space` names the locks (the schema)."""
    rows = (
        await session.execute(
            select(d.c.id, d.c.channel, d.c.attempts)
            .where(d.c.status == "sending")
            .with_for_update(skip_locked=True)
        )
    ).all()
    if not rows:
        return []
    free = set(
        (
            await session.execute(
                text(
                    "SELECT id FROM unnest(CAST(:ids AS bigint[]), CAST(:keys AS bigint[]))"
                    " AS t(id, k) WHERE pg_try_advisory_xact_lock(k)"
                ),
                {"ids": [r.id for r in rows], "keys": [_claim_key(space, r.id) for r in rows]},
            )
        ).scalars()
    )
    orphans = [r for r in rows if r.id in free]
    if orphans:
        await session.execute(
            update(d)
            .where(d.c.id == bindparam("b_id"))
            .values(
                status="pending",
                next_attempt_at=now,
                interrupted=d.c.interrupted + 1,
                last_error=bindparam("b_error"),
            ),
            [
                {
                    "b_id": r.id,
                    "b_error": f"attempt {r.attempts} interrupted: the notifier stopped before "
                    "its outcome was recorded; sent again, as the same message",
                }
                for r in orphans
            ],
        )
    return [Interrupted(r.id, r.channel) for r in orphans]


async def claim_due(
    session: AsyncSession, now: datetime, limit: int, space: str
) -> Sequence[Row[Any]]:
    """Up to `limit` pending deliveries due at `now`, oldest first, marked `sending` with
    this attempt counted; rows another replica holds are skipped, not waited for. The
    claim locks stay with the connection until `release_claims`."""
    due = (
        await session.execute(
            select(d.c.id)
            .where(d.c.status == "pending", d.c.next_attempt_at <= now)
            .order_by(d.c.next_attempt_at, d.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ).scalars()
    ids = list(due)
    if not ids:
        return []
    await session.execute(
        text("SELECT pg_advisory_lock(k) FROM unnest(CAST(:keys AS bigint[])) AS k"),
        {"keys": [_claim_key(space, i) for i in ids]},
    )
    claimed = (
        update(d)
        .where(d.c.id.in_(ids))
        .values(status="sending", attempts=d.c.attempts + 1, last_attempt_at=now)
        .returning(*d.c)
    )
    order = {delivery_id: n for n, delivery_id in enumerate(ids)}
    return sorted((await session.execute(claimed)).all(), key=lambda row: order[row.id])


async def release_claims(session: AsyncSession) -> None:
    await session.execute(text("SELECT pg_advisory_unlock_all()"))


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
    """Deliveries not sent yet: due, waiting for a retry, or going out now."""
    unsent = d.c.status.in_(("pending", "sending"))
    return int(await session.scalar(select(func.count()).where(unsent)) or 0)


async def purge_sent(session: AsyncSession, before: datetime) -> None:
    """Sent deliveries older than `before`; failed ones are always kept."""
    await session.execute(delete(d).where(d.c.status == "sent", d.c.sent_at < before))
