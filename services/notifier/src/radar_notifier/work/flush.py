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

from radar_notifier.domain.channels import ChannelKind
from radar_notifier.domain.digest import Digest
from radar_notifier.domain.fatigue import plan_groups
from radar_notifier.domain.notices import (
    ActiveAlerts,
    NoticeRules,
    forget_dropped,
    recheck_reason,
)
from radar_notifier.domain.render import render_email, render_slack
from radar_notifier.domain.render.formatting import headline
from radar_notifier.store import alerts, deliveries, notices
from radar_notifier.store.deliveries import NewDelivery
from radar_notifier.store.notices import Settled, WaitingNotice
from radar_runtime import UnitOfWork

# Recipients flushed per transaction; the worker loops while there are more.
MAX_RECIPIENTS_PER_FLUSH = 500


@dataclass
class FlushResult:
    deliveries: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    more: bool = False


async def flush_due_groups(
    uow: UnitOfWork, rules: NoticeRules, lock_key: int, now: datetime
) -> FlushResult:
    result = FlushResult()
    session = uow.session
    # One flusher at a time across replicas; the others find nothing left to do.
    if not await notices.take_flush_lock(session, lock_key):
        return result
    rows = await notices.waiting(session, now - rules.timings.group_wait, MAX_RECIPIENTS_PER_FLUSH)
    if not rows:
        return result
    result.more = len({r.queued.recipient_key for r in rows}) >= MAX_RECIPIENTS_PER_FLUSH
    by_notice = {id(r.notice): r for r in rows}
    last_flush = await notices.last_flushes(session, {r.queued.recipient_key for r in rows})
    digests = plan_groups([r.notice for r in rows], now, rules.timings, last_flush)
    if not digests:
        return result
    due_alerts = [p.alert for d in digests for p in (*d.items, *d.superseded)]
    records = await alerts.load_records(
        session,
        keys={a.dedup_key for a in due_alerts},
        raised_in_accounts={a.account_id for a in due_alerts},
    )
    active = ActiveAlerts([r.active_view() for r in records.values()], rules.inhibit_rules)
    changed: set[str] = set()
    settled: list[Settled] = []
    new_deliveries: list[NewDelivery] = []
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
            settled.append(Settled(row.id, "dropped", drop_reason=reason))
            if record is not None:
                forget_dropped(record, row.queued, reason)
                changed.add(item.alert.dedup_key)
        if not kept:
            settled += [
                Settled(by_notice[id(p)].id, "dropped", drop_reason="superseded")
                for p in digest.superseded
            ]
            continue
        sendable = Digest(
            recipient=digest.recipient,
            items=tuple(kept),
            superseded=digest.superseded,
            created_at=now,
        )
        key = delivery_key(sendable, [by_notice[id(p)].id for p in (*kept, *digest.superseded)])
        new_deliveries.append(_delivery(sendable, key, [by_notice[id(p)] for p in kept]))
        settled += [Settled(by_notice[id(p)].id, "grouped", key) for p in kept]
        settled += [Settled(by_notice[id(p)].id, "superseded", key) for p in digest.superseded]
    await deliveries.add(session, new_deliveries, now)
    await notices.record_flushes(session, {d.digest.recipient.key for d in new_deliveries}, now)
    await notices.settle(session, settled)
    await alerts.save_fatigue(session, [records[k] for k in sorted(changed)], now)
    result.deliveries = len(new_deliveries)
    return result


def delivery_key(digest: Digest, notice_ids: Sequence[object]) -> str:
    """The digest's identity plus the queued notices it answers: the same alert told
    again a day later (a repeat) is a new delivery, a second flush of the same
    notices is not."""
    parts = [digest.key, *sorted(str(i) for i in notice_ids)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:40]


def _delivery(digest: Digest, key: str, rows: list[WaitingNotice]) -> NewDelivery:
    if digest.recipient.kind is ChannelKind.SLACK:
        payload: dict[str, Any] = render_slack(digest)
    else:
        content = render_email(digest)
        payload = {"subject": content.subject, "text": content.text, "html": content.html}
    return NewDelivery(
        idempotency_key=key,
        digest=digest,
        headline=headline(digest),
        payload=payload,
        first_occurred_at=min(r.occurred_at for r in rows),
    )
