"""Turn due groups of queued notices into persisted, rendered deliveries (one transaction).

A group is due per recipient by group_wait / group_interval (domain.plan_groups).
Every notice is checked again first (ack, snooze, inhibition, resolution may have
come meanwhile). The delivery row, the notices marked grouped and the recipient's
flush time commit together, and the delivery's idempotency key is unique: a flush
that runs twice (two replicas, a crash before commit) can only write it once.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.dialects.postgresql import insert

from radar_notifier.domain.alerts import NoticeKind
from radar_notifier.domain.channels import ChannelKind
from radar_notifier.domain.digest import Digest, PendingNotification
from radar_notifier.domain.fatigue import plan_groups
from radar_notifier.domain.notices import (
    ActiveAlerts,
    NoticeRules,
    QueuedNotice,
    forget_dropped,
    recheck_reason,
)
from radar_notifier.domain.render import render_email, render_slack
from radar_notifier.domain.render.formatting import headline
from radar_notifier.domain.routing import Recipient
from radar_notifier.store.alerts import load_records, save_fatigue
from radar_notifier.store.columns import view_from_json
from radar_notifier.store.tables import deliveries, pending_notifications, recipient_groups
from radar_runtime import UnitOfWork
from radar_runtime.sql import among

# Recipients flushed per transaction; the worker loops while there are more.
MAX_RECIPIENTS_PER_FLUSH = 500


@dataclass
class FlushResult:
    deliveries: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    more: bool = False


@dataclass(frozen=True)
class _Row:
    id: Any
    notice: PendingNotification
    queued: QueuedNotice
    occurred_at: datetime


async def flush_due_groups(
    uow: UnitOfWork, rules: NoticeRules, lock_key: int, now: datetime
) -> FlushResult:
    result = FlushResult()
    session = uow.session
    # One flusher at a time across replicas; the others find nothing left to do.
    if not await session.scalar(select(func.pg_try_advisory_xact_lock(lock_key))):
        return result
    rows = await _load_waiting(uow, now - rules.timings.group_wait)
    if not rows:
        return result
    result.more = len({r.queued.recipient_key for r in rows}) >= MAX_RECIPIENTS_PER_FLUSH
    by_notice = {id(r.notice): r for r in rows}
    last_flush = await _last_flush(uow, {r.queued.recipient_key for r in rows})
    digests = plan_groups([r.notice for r in rows], now, rules.timings, last_flush)
    if not digests:
        return result
    due_alerts = [p.alert for d in digests for p in (*d.items, *d.superseded)]
    records = await load_records(
        session,
        keys={a.dedup_key for a in due_alerts},
        raised_in_accounts={a.account_id for a in due_alerts},
    )
    active = ActiveAlerts([r.active_view() for r in records.values()], rules.inhibit_rules)
    changed: set[str] = set()
    outcomes: list[dict[str, Any]] = []
    new_deliveries: list[dict[str, Any]] = []
    for digest in digests:
        kept = []
        for item in digest.items:
            row = by_notice[id(item)]
            record = records.get(item.alert.dedup_key)
            reason = recheck_reason(row.queued, record, active, now, rules.inhibit_rules)
            if reason is None:
                kept.append(item)
                continue
            result.dropped[reason] += 1
            outcomes.append(_outcome(row, "dropped", None, reason))
            if record is not None:
                forget_dropped(record, row.queued, reason)
                changed.add(item.alert.dedup_key)
        if not kept:
            outcomes += [
                _outcome(by_notice[id(p)], "dropped", None, "superseded") for p in digest.superseded
            ]
            continue
        sendable = Digest(
            recipient=digest.recipient,
            items=tuple(kept),
            superseded=digest.superseded,
            created_at=now,
        )
        key = delivery_key(sendable, [by_notice[id(p)].id for p in (*kept, *digest.superseded)])
        new_deliveries.append(_delivery(sendable, key, [by_notice[id(p)] for p in kept], now))
        outcomes += [_outcome(by_notice[id(p)], "grouped", key, None) for p in kept]
        outcomes += [_outcome(by_notice[id(p)], "superseded", key, None) for p in digest.superseded]
    await _store(uow, new_deliveries, outcomes, now)
    await save_fatigue(session, [records[k] for k in sorted(changed)], now)
    result.deliveries = len(new_deliveries)
    return result


async def _load_waiting(uow: UnitOfWork, cutoff: datetime) -> list[_Row]:
    """Every waiting notice of recipients with at least one notice older than group_wait."""
    p = pending_notifications
    recipients = (
        select(p.c.recipient_key)
        .where(p.c.status == "waiting", p.c.enqueued_at <= cutoff)
        .group_by(p.c.recipient_key)
        .limit(MAX_RECIPIENTS_PER_FLUSH)
        .scalar_subquery()
    )
    query = (
        select(p)
        .where(p.c.status == "waiting", p.c.recipient_key.in_(recipients))
        .order_by(p.c.recipient_key, p.c.enqueued_at)
        .with_for_update()
    )
    return [_row(r) for r in (await uow.session.execute(query)).all()]


def _row(row: Any) -> _Row:
    recipient = Recipient(ChannelKind(row.recipient_kind), row.recipient_address, row.route)
    notice = PendingNotification(
        recipient=recipient, alert=view_from_json(row.alert), enqueued_at=row.enqueued_at
    )
    queued = QueuedNotice(
        recipient_key=row.recipient_key,
        notice=NoticeKind(row.notice),
        enqueued_at=row.enqueued_at,
        previous_notified_at=row.previous_notified_at,
    )
    return _Row(row.id, notice, queued, row.occurred_at)


async def _last_flush(uow: UnitOfWork, keys: set[str]) -> dict[str, datetime]:
    g = recipient_groups
    rows = await uow.session.execute(select(g).where(among(g.c.recipient_key, keys)))
    return {r.recipient_key: r.last_flush_at for r in rows}


def delivery_key(digest: Digest, notice_ids: Sequence[object]) -> str:
    """The digest's identity plus the queued notices it answers: the same alert told
    again a day later (a repeat) is a new delivery, a second flush of the same
    notices is not."""
    parts = [digest.key, *sorted(str(i) for i in notice_ids)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:40]


def _delivery(digest: Digest, key: str, rows: list[_Row], now: datetime) -> dict[str, Any]:
    recipient = digest.recipient
    if recipient.kind is ChannelKind.SLACK:
        payload: dict[str, Any] = render_slack(digest)
    else:
        content = render_email(digest)
        payload = {"subject": content.subject, "text": content.text, "html": content.html}
    return {
        "idempotency_key": key,
        "channel": recipient.kind.value,
        "recipient": recipient.address,
        "recipient_key": recipient.key,
        "route": recipient.route,
        "headline": headline(digest),
        "payload": payload,
        "alert_ids": [p.alert.alert_id for p in digest.items],
        "dedup_keys": [p.alert.dedup_key for p in digest.items],
        "first_occurred_at": min(r.occurred_at for r in rows),
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }


def _outcome(row: _Row, status: str, key: str | None, reason: str | None) -> dict[str, Any]:
    return {"b_id": row.id, "b_status": status, "b_key": key, "b_reason": reason}


async def _store(
    uow: UnitOfWork,
    new_deliveries: list[dict[str, Any]],
    outcomes: list[dict[str, Any]],
    now: datetime,
) -> None:
    session = uow.session
    if new_deliveries:
        await session.execute(
            insert(deliveries).on_conflict_do_nothing(
                index_elements=[deliveries.c.idempotency_key]
            ),
            new_deliveries,
        )
        flushed = {d["recipient_key"] for d in new_deliveries}
        statement = insert(recipient_groups)
        await session.execute(
            statement.on_conflict_do_update(
                index_elements=[recipient_groups.c.recipient_key],
                set_={"last_flush_at": statement.excluded.last_flush_at},
            ),
            [{"recipient_key": k, "last_flush_at": now} for k in sorted(flushed)],
        )
    if outcomes:
        p = pending_notifications
        await session.execute(
            update(p)
            .where(p.c.id == bindparam("b_id"))
            .values(
                status=bindparam("b_status"),
                delivery_key=bindparam("b_key"),
                drop_reason=bindparam("b_reason"),
            ),
            outcomes,
        )
