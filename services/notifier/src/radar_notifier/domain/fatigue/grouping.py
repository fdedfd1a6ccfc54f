"""Grouping per recipient, as Alertmanager's group_wait / group_interval."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from radar_notifier.domain.alerts import severity_rank
from radar_notifier.domain.digest import Digest, PendingNotification
from radar_notifier.domain.fatigue.timings import Timings


def plan_groups(
    pending: Sequence[PendingNotification],
    now: datetime,
    timings: Timings,
    last_flush_by_recipient: Mapping[str, datetime],
) -> list[Digest]:
    """One digest per recipient whose group is due at `now`; others keep waiting.

    Every due pending notification ends up in exactly one digest, in `items` or, when
    a newer notice for the same alert is also due, in `superseded`.
    """
    digests = []
    for recipient_key, items in _by_recipient(pending).items():
        due_at = _due_at(items, last_flush_by_recipient.get(recipient_key), timings)
        if due_at <= now:
            digests.append(_digest(items, now))
    return digests


def next_group_due_at(
    pending: Sequence[PendingNotification],
    timings: Timings,
    last_flush_by_recipient: Mapping[str, datetime],
) -> datetime | None:
    """When the scheduler should next call `plan_groups`, or None with nothing pending."""
    due = [
        _due_at(items, last_flush_by_recipient.get(key), timings)
        for key, items in _by_recipient(pending).items()
    ]
    return min(due, default=None)


def _by_recipient(
    pending: Iterable[PendingNotification],
) -> dict[str, list[PendingNotification]]:
    groups: dict[str, list[PendingNotification]] = defaultdict(list)
    for item in pending:
        groups[item.recipient.key].append(item)
    return groups


def _due_at(
    items: Sequence[PendingNotification], last_flush: datetime | None, timings: Timings
) -> datetime:
    # A fresh group waits group_wait from its first item to gather a burst; a recipient
    # flushed recently also waits group_interval from that flush. Taking the later of
    # the two means a burst arriving long after the last flush is still gathered.
    due = min(item.enqueued_at for item in items) + timings.group_wait
    if last_flush is not None:
        due = max(due, last_flush + timings.group_interval)
    return due


def _digest(items: Sequence[PendingNotification], now: datetime) -> Digest:
    latest: dict[str, PendingNotification] = {}
    superseded = []
    for item in sorted(items, key=_recency):
        previous = latest.get(item.alert.dedup_key)
        if previous is not None:
            superseded.append(previous)
        latest[item.alert.dedup_key] = item
    return Digest(
        recipient=items[0].recipient,
        items=tuple(sorted(latest.values(), key=_urgency)),
        superseded=tuple(superseded),
        created_at=now,
    )


def _recency(item: PendingNotification) -> tuple[datetime, bool, datetime]:
    # A resolve at the same instant as a raise is the later fact (as in state.apply_alert).
    return (item.alert.occurred_at, item.alert.resolved, item.enqueued_at)


def _urgency(item: PendingNotification) -> tuple[bool, int, float, str]:
    alert = item.alert
    return (alert.resolved, -severity_rank(alert.severity), -(alert.arr or 0.0), alert.dedup_key)
