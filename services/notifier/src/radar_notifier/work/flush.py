"""Turn due groups of queued notices into persisted, rendered deliveries (one transaction).

A group is due per recipient by group_wait / group_interval (domain.plan_groups).
Every notice is checked again first (ack, snooze, inhibition, resolution may have
come meanwhile), and an alert that was raised and resolved while it waited is told
to nobody. The delivery row, the notices marked grouped and the recipient's flush
time commit together, and the delivery's idempotency key is unique: a flush that
runs twice (two replicas, a crash before commit) can only write it once.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from radar_notifier.domain.alerts import NoticeKind
from radar_notifier.domain.channels import ChannelKind
from radar_notifier.domain.digest import Digest, PendingNotification
from radar_notifier.domain.fatigue import plan_groups
from radar_notifier.domain.notices import (
    ActiveAlerts,
    AlertRecord,
    NoticeRules,
    came_and_went,
    forget_dropped,
    recheck_reason,
)
from radar_notifier.domain.render import Links, render_email, render_slack
from radar_notifier.domain.render.formatting import headline
from radar_notifier.store import alerts, deliveries, episodes, notices, renewals
from radar_notifier.store.deliveries import NewDelivery
from radar_notifier.store.episodes import EpisodeKey
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
    uow: UnitOfWork, rules: NoticeRules, lock_key: int, now: datetime, links: Links
) -> FlushResult:
    result = FlushResult()
    session = uow.session
    # One flusher at a time across replicas; the others find nothing left to do.
    if not await notices.take_flush_lock(session, lock_key):
        return result
    cutoff = now - rules.timings.group_wait
    history = rules.history
    settled = history.settled(await notices.history_last_arrived(session), now)
    rows = await notices.waiting(
        session,
        cutoff,
        MAX_RECIPIENTS_PER_FLUSH,
        keep_held_after=None if settled else now - history.max_hold,
    )
    if not rows:
        return result
    result.more = len({r.queued.recipient_key for r in rows}) >= MAX_RECIPIENTS_PER_FLUSH
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
    former = await renewals.former_customers_among(session, {a.account_id for a in due_alerts})
    flush = _Flush(rows, records, rules, now, links, former)
    for digest in digests:
        flush.check(digest)
    await deliveries.add(session, flush.deliveries, now)
    await notices.record_flushes(session, {d.digest.recipient.key for d in flush.deliveries}, now)
    await notices.settle(session, flush.settled)
    await alerts.save_fatigue(session, [records[k] for k in sorted(flush.changed)], now)
    await episodes.mark(session, "notified_at", flush.told, now)
    result.deliveries = len(flush.deliveries)
    result.dropped = flush.dropped
    return result


class _Flush:
    """The digests of one flush checked against the alerts' records at `now`."""

    def __init__(
        self,
        rows: Sequence[WaitingNotice],
        records: Mapping[str, AlertRecord],
        rules: NoticeRules,
        now: datetime,
        links: Links,
        former_customers: Collection[str],
    ) -> None:
        self._rows = {id(r.notice): r for r in rows}
        self._records = records
        self._rules = rules
        self._now = now
        self._links = links
        self._active = ActiveAlerts(
            [r.active_view() for r in records.values()], rules.inhibit_rules, former_customers
        )
        self.deliveries: list[NewDelivery] = []
        self.settled: list[Settled] = []
        self.dropped: Counter[str] = Counter()
        self.changed: set[str] = set()
        # The episodes whose raise goes out in this flush.
        self.told: set[EpisodeKey] = set()

    def check(self, digest: Digest) -> None:
        earlier: dict[str, list[PendingNotification]] = defaultdict(list)
        for item in digest.superseded:
            earlier[item.alert.dedup_key].append(item)
        kept, gone = [], set()
        for item in digest.items:
            key = item.alert.dedup_key
            row = self._rows[id(item)]
            record = self._records.get(key)
            before = [self._rows[id(p)] for p in earlier[key]]
            if came_and_went([r.queued for r in (*before, row)]):
                reason: str | None = "came_and_went"
                gone.add(key)
                self._forget(record, before[0], "came_and_went")
            else:
                reason = recheck_reason(row.queued, record, self._active, self._now, self._rules)
            if reason is None:
                kept.append(item)
                continue
            self.dropped[reason] += 1
            self.settled.append(Settled(row.id, "dropped", drop_reason=reason))
            self._forget(record, row, reason)
        vanished = [p for p in digest.superseded if p.alert.dedup_key in gone]
        answered = [p for p in digest.superseded if p.alert.dedup_key not in gone]
        self._settle(vanished, "dropped", drop_reason="came_and_went")
        if not kept:
            self._settle(answered, "dropped", drop_reason="superseded")
            return
        sendable = Digest(
            recipient=digest.recipient,
            items=tuple(kept),
            superseded=digest.superseded,
            created_at=self._now,
        )
        ids = [self._rows[id(p)].id for p in (*kept, *digest.superseded)]
        key = delivery_key(sendable, ids)
        self.deliveries.append(
            _delivery(sendable, key, [self._rows[id(p)] for p in kept], self._links)
        )
        self._settle(kept, "grouped", key)
        self._settle(answered, "superseded", key)
        for item in kept:
            record = self._records.get(item.alert.dedup_key)
            episode = episodes.key_of(record) if record is not None else None
            if item.notice is NoticeKind.RAISED and episode is not None:
                self.told.add(episode)

    def _forget(self, record: AlertRecord | None, row: WaitingNotice, reason: str) -> None:
        if record is not None:
            forget_dropped(record, row.queued, reason)
            self.changed.add(record.state.dedup_key)

    def _settle(
        self,
        items: Sequence[PendingNotification],
        status: str,
        delivery_key: str | None = None,
        drop_reason: str | None = None,
    ) -> None:
        self.settled += [
            Settled(self._rows[id(p)].id, status, delivery_key, drop_reason) for p in items
        ]


def delivery_key(digest: Digest, notice_ids: Sequence[object]) -> str:
    """The digest's identity plus the queued notices it answers: the same alert told
    again a day later (a repeat) is a new delivery, a second flush of the same
    notices is not."""
    parts = [digest.key, *sorted(str(i) for i in notice_ids)]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:40]


def _delivery(digest: Digest, key: str, rows: list[WaitingNotice], links: Links) -> NewDelivery:
    if digest.recipient.kind is ChannelKind.SLACK:
        payload: dict[str, Any] = render_slack(digest, links)
    else:
        content = render_email(digest, links)
        payload = {"subject": content.subject, "text": content.text, "html": content.html}
    return NewDelivery(
        idempotency_key=key,
        digest=digest,
        headline=headline(digest),
        payload=payload,
        first_occurred_at=min(r.occurred_at for r in rows),
    )
