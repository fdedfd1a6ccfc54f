"""Notices waiting for their recipient's digest (`pending_notifications`) and when each
recipient last got one (`recipient_groups`)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, delete, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from radar_notifier.domain.alerts import NoticeKind, NoticeReason
from radar_notifier.domain.channels import ChannelKind
from radar_notifier.domain.digest import PendingNotification
from radar_notifier.domain.notices import NewNotice, QueuedNotice
from radar_notifier.domain.routing import Recipient
from radar_notifier.domain.worsening import Worsening
from radar_notifier.store.columns import view_from_json, view_to_json
from radar_notifier.store.tables import history_arrivals, pending_notifications, recipient_groups
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
            "held": n.held,
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
    session: AsyncSession, cutoff: datetime, recipients: int, *, keep_held_after: datetime | None
) -> list[WaitingNotice]:
    """Every waiting notice (locked) of up to `recipients` recipients that have one
    enqueued at or before `cutoff`, but for the held notices of history queued after
    `keep_held_after` (none kept when None: history has settled)."""
    free: ColumnElement[bool] = p.c.status == "waiting"
    if keep_held_after is not None:
        free = and_(free, or_(p.c.held.is_(False), p.c.enqueued_at <= keep_held_after))
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


async def note_history_arrived(session: AsyncSession, at: datetime) -> None:
    """A late alert event arrived at `at`: history is still being loaded."""
    statement = insert(history_arrivals).values(id=1, last_at=at)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[history_arrivals.c.id],
            set_={"last_at": func.greatest(history_arrivals.c.last_at, statement.excluded.last_at)},
        )
    )


async def history_last_arrived(session: AsyncSession) -> datetime | None:
    last: datetime | None = await session.scalar(select(history_arrivals.c.last_at))
    return last


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
