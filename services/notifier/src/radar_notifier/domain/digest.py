"""Notifications waiting to be sent, and the digests they are sent in."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from radar_notifier.domain.alerts import AlertView, NoticeKind, NoticeReason
from radar_notifier.domain.routing import Recipient
from radar_notifier.domain.worsening import Worsening


@dataclass(frozen=True, kw_only=True)
class PendingNotification:
    """A notice that passed routing, inhibition and `should_notify`, waiting for its group."""

    recipient: Recipient
    alert: AlertView
    enqueued_at: datetime
    reason: NoticeReason = NoticeReason.FIRST
    # What got worse, for a WORSE notice.
    worse: tuple[Worsening, ...] = ()

    @property
    def notice(self) -> NoticeKind:
        return self.alert.notice


@dataclass(frozen=True, kw_only=True)
class Digest:
    """One message to one recipient about one or more alerts."""

    recipient: Recipient
    # Most urgent first: raised before resolved, then severity, then ARR.
    items: tuple[PendingNotification, ...]
    # Older pending notices for an alert that also has a newer one in `items`: they
    # are answered by the newer one and only need marking as done.
    superseded: tuple[PendingNotification, ...]
    created_at: datetime

    def __post_init__(self) -> None:
        if not self.items:
            raise ValueError("a digest needs at least one notification")

    @property
    def key(self) -> str:
        """Stable identity, so a retried or replayed flush is recognised as the same digest."""
        notices = sorted(f"{p.alert.alert_id}|{p.notice}" for p in self.items + self.superseded)
        parts = [self.recipient.key, *notices]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]

    @property
    def raised(self) -> tuple[PendingNotification, ...]:
        return tuple(p for p in self.items if p.notice is NoticeKind.RAISED)

    @property
    def resolved(self) -> tuple[PendingNotification, ...]:
        return tuple(p for p in self.items if p.notice is NoticeKind.RESOLVED)

    def raised_for(self, reason: NoticeReason) -> tuple[PendingNotification, ...]:
        return tuple(p for p in self.raised if p.reason is reason)

    def reason_of(self, alert: AlertView) -> NoticeReason:
        """Why the digest tells of `alert` (one item per alert)."""
        return self._by_alert[alert.dedup_key].reason

    def worse_of(self, alert: AlertView) -> tuple[Worsening, ...]:
        return self._by_alert[alert.dedup_key].worse

    @cached_property
    def _by_alert(self) -> dict[str, PendingNotification]:
        return {p.alert.dedup_key: p for p in self.items}
