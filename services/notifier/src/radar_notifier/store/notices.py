"""Notices waiting for their recipient's digest (`pending_notifications`) and when each
recipient last got one (`recipient_groups`)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from radar_notifier.domain.alerts import NoticeKind, NoticeReason
from radar_notifier.domain.channels import ChannelKind
from radar_notifier.domain.digest import PendingNotification
from radar_notifier.domain.notices import NewNotice, QueuedNotice
from radar_notifier.domain.routing import Recipient
from radar_notifier.domain.worsening import Worsening
from radar_notifier.store.columns import view_from_json, view_to_json
from radar_notifier.store.tables import pending_notifications, recipient_groups
from radar_runtime.sql import among

p = pending_notifications


@dataclass(frozen=True)
class WaitingNotice:
    """A waiting row, as grouping (`notice`) and the re-check at flush (`queued`) see it."""

    id: uuid.UUID
    notice: PendingNotification
    queued: QueuedNotice
    occurred_at: datetime


@dataclass(frozen=True)
class Settled:
    """What became of a waiting notice: grouped or superseded into a delivery, or dropped."""

    id: uuid.UUID
    status: str
    delivery_key: str | None = None
    drop_reason: str | None = None


async def queue(session: AsyncSession, notices: Sequence[NewNotice]) -> None:
    if not notices:
        return
    rows = [
        {
            "id": n.id,
            "recipient_key": n.recipient.key,
            "recipient_kind": n.recipient.kind.value,
            "recipient_address": n.recipient.address,
            "route": n.recipient.route,
            "dedup_key": n.alert.dedup_key,
            "notice": n.notice.value,
            "alert": view_to_json(n.alert),
            "enqueued_at": n.enqueued_at,
            "occurred_at": n.occurred_at,
            "previous_notified_at": n.previous_notified_at,
            "hold_until": n.hold_until,
            "reason": n.reason.value,
            "worse": [asdict(w) for w in n.worse] or None,
            "status": "waiting",
        }
        for n in notices
    ]
    # Ids are derived from the state evaluated, so evaluating twice queues once.
    await session.execute(insert(p).on_conflict_do_nothing(index_elements=[p.c.id]), rows)


async def take_flush_lock(session: AsyncSession, key: int) -> bool:
    """One flusher at a time across replicas, until the transaction ends."""
    return bool(await session.scalar(select(func.pg_try_advisory_xact_lock(key))))


async def waiting(
    session: AsyncSession, cutoff: datetime, now: datetime, recipients: int
) -> list[WaitingNotice]:
    """Every waiting notice not held at `now` (locked) of up to `recipients` recipients
    that have one enqueued at or before `cutoff`."""
    free = and_(p.c.status == "waiting", or_(p.c.hold_until.is_(None), p.c.hold_until <= now))
    due = (
        select(p.c.recipient_key)
        .where(free, p.c.enqueued_at <= cutoff)
        .group_by(p.c.recipient_key)
        .limit(recipients)
        .scalar_subquery()
    )
    query = (
        select(p)
        .where(free, p.c.recipient_key.in_(due))
        .order_by(p.c.recipient_key, p.c.enqueued_at)
        .with_for_update()
    )
    return [_waiting(row) for row in (await session.execute(query)).all()]


async def extend_holds(session: AsyncSession, until: datetime, longest: timedelta) -> None:
    """History is still loading: held notices wait until `until`, but no longer than
    `longest` after they were queued."""
    extended = func.least(until, p.c.enqueued_at + longest)
    await session.execute(
        update(p)
        .where(p.c.status == "waiting", p.c.hold_until < extended)
        .values(hold_until=extended)
    )


def _waiting(row: Any) -> WaitingNotice:
    recipient = Recipient(ChannelKind(row.recipient_kind), row.recipient_address, row.route)
    reason = NoticeReason(row.reason)
    notice = PendingNotification(
        recipient=recipient,
        alert=view_from_json(row.alert),
        enqueued_at=row.enqueued_at,
        reason=reason,
        worse=tuple(Worsening(**w) for w in row.worse or ()),
    )
    queued = QueuedNotice(
        recipient_key=row.recipient_key,
        notice=NoticeKind(row.notice),
        enqueued_at=row.enqueued_at,
        previous_notified_at=row.previous_notified_at,
        reason=reason,
    )
    return WaitingNotice(row.id, notice, queued, row.occurred_at)


async def last_flushes(session: AsyncSession, keys: Collection[str]) -> dict[str, datetime]:
    g = recipient_groups
    rows = await session.execute(select(g).where(among(g.c.recipient_key, keys)))
    return {r.recipient_key: r.last_flush_at for r in rows}


async def record_flushes(session: AsyncSession, keys: Collection[str], at: datetime) -> None:
    if not keys:
        return
    statement = insert(recipient_groups)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[recipient_groups.c.recipient_key],
            set_={"last_flush_at": statement.excluded.last_flush_at},
        ),
        [{"recipient_key": k, "last_flush_at": at} for k in sorted(keys)],
    )


async def settle(session: AsyncSession, settled: Sequence[Settled]) -> None:
    if not settled:
        return
    await session.execute(
        update(p)
        .where(p.c.id == bindparam("b_id"))
        .values(
            status=bindparam("b_status"),
            delivery_key=bindparam("b_key"),
            drop_reason=bindparam("b_reason"),
        ),
        [
            {"b_id": s.id, "b_status": s.status, "b_key": s.delivery_key, "b_reason": s.drop_reason}
            for s in settled
        ],
    )


async def count_waiting(session: AsyncSession) -> int:
    return int(await session.scalar(select(func.count()).where(p.c.status == "waiting")) or 0)


async def purge_settled(session: AsyncSession, before: datetime) -> None:
    await session.execute(delete(p).where(p.c.status != "waiting", p.c.enqueued_at < before))
