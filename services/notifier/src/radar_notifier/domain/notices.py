"""Who should hear about an alert now: routing, inhibition and fatigue decisions combined.

Pure: the handler, the recheck sweep and the digest flush load records, call these,
and store what comes back. Evaluated twice on purpose: when a notice is queued, and
again when its group is flushed, so an ack, a snooze or a critical alert that arrives
during group_wait still holds the notice back.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from radar_notifier.config import NotifierConfig
from radar_notifier.domain.alerts import AlertView, NoticeKind
from radar_notifier.domain.fatigue import (
    AlertState,
    find_inhibitor,
    record_notified,
    should_notify,
)
from radar_notifier.domain.routing import Recipient, RoutingOutcome, route_alert

_PENDING_NAMESPACE = uuid.UUID("6f1d2a52-5a0e-4c55-9a56-3b7f5d0c1e42")


@dataclass
class AlertRecord:
    """One `alerts` row as the domain sees it, changed in place while evaluating."""

    state: AlertState
    view: AlertView
    inhibited_by: str | None = None
    recheck_at: datetime | None = None
    routing: RoutingOutcome | None = None

    @property
    def raised(self) -> bool:
        return self.state.status is NoticeKind.RAISED

    def active_view(self) -> AlertView:
        """The alert as a possible inhibition source or target (raised or not)."""
        return replace(self.view, resolved=not self.raised)


class ActiveAlerts:
    """Raised alerts as inhibition sources, indexed by account when every inhibit rule
    compares accounts (the default), so each check looks at one account's alerts
    instead of all of them."""

    def __init__(self, views: Iterable[AlertView], cfg: NotifierConfig) -> None:
        self._all = [v for v in views if not v.resolved]
        self._per_account = all("account_id" in rule.equal for rule in cfg.inhibit_rules)
        self._by_account: dict[str, list[AlertView]] = defaultdict(list)
        for view in self._all:
            self._by_account[view.account_id].append(view)

    def sources_for(self, alert: AlertView) -> list[AlertView]:
        return self._by_account.get(alert.account_id, []) if self._per_account else self._all


@dataclass(frozen=True)
class NewNotice:
    """A notice to queue for a recipient's next digest."""

    id: uuid.UUID
    recipient: Recipient
    notice: NoticeKind
    alert: AlertView
    enqueued_at: datetime
    previous_notified_at: datetime | None
    # When the fact told became true: the alert event's time for a notice an event
    # caused, the clock's time for one that time caused (a repeat, a snooze ending).
    occurred_at: datetime


@dataclass
class Evaluation:
    notices: list[NewNotice] = field(default_factory=list)
    # Why recipients were not notified, for radar_notifications_suppressed_total.
    suppressed: Counter[str] = field(default_factory=Counter)


def evaluate(
    record: AlertRecord,
    active: ActiveAlerts,
    now: datetime,
    cfg: NotifierConfig,
    into: Evaluation,
    *,
    caused_at: datetime | None = None,
) -> None:
    """Route the alert, apply inhibition and per-recipient fatigue rules, queue notices.

    `caused_at` is the time of the alert event that prompted this evaluation; None
    when the passing of time did.
    """
    routing = route_alert(record.view, cfg)
    record.routing = routing
    record.recheck_at = None
    record.inhibited_by = None
    if record.raised:
        view = record.active_view()
        inhibition = find_inhibitor(view, active.sources_for(view), cfg)
        if inhibition is not None:
            # Lifted by an event (the source resolving), not by time: no recheck.
            record.inhibited_by = inhibition.source_dedup_key
            into.suppressed["inhibited"] += len(routing.recipients)
            return
    rechecks: list[datetime] = []
    state = record.state
    for recipient in routing.recipients:
        decision = should_notify(state, recipient, now, cfg)
        if not decision.send:
            into.suppressed[decision.reason.value] += 1
            if decision.recheck_at is not None:
                rechecks.append(decision.recheck_at)
            continue
        previous = state.last_notified_at.get(recipient.key)
        state = record_notified(state, recipient.key, decision.notice, now)
        into.notices.append(
            NewNotice(
                id=_notice_id(state, recipient, decision.notice, now),
                recipient=recipient,
                notice=decision.notice,
                alert=replace(record.view, resolved=decision.notice is NoticeKind.RESOLVED),
                enqueued_at=now,
                previous_notified_at=previous if decision.notice is NoticeKind.RAISED else None,
                occurred_at=caused_at or now,
            )
        )
        if decision.notice is NoticeKind.RAISED:
            rechecks.append(now + cfg.timings.repeat_interval)
    record.state = state
    if record.raised and rechecks:
        record.recheck_at = min(rechecks)


def _notice_id(
    state: AlertState, recipient: Recipient, notice: NoticeKind, now: datetime
) -> uuid.UUID:
    # Deterministic: evaluating the same state at the same time queues the same notice.
    episode = state.first_raised_at.isoformat() if state.first_raised_at else "-"
    name = f"{state.dedup_key}|{episode}|{recipient.key}|{notice}|{now.isoformat()}"
    return uuid.uuid5(_PENDING_NAMESPACE, name)


# ---------------------------------------------------------------------------- at flush


@dataclass(frozen=True)
class QueuedNotice:
    """A `pending_notifications` row, as the flush re-checks it."""

    recipient_key: str
    notice: NoticeKind
    enqueued_at: datetime
    previous_notified_at: datetime | None


def recheck_reason(
    queued: QueuedNotice,
    record: AlertRecord | None,
    active: ActiveAlerts,
    now: datetime,
    cfg: NotifierConfig,
) -> str | None:
    """Why a queued notice must no longer be sent, or None to send it."""
    if record is None:
        return None
    state = record.state
    if queued.notice is NoticeKind.RESOLVED:
        return "raised_again" if record.raised else None
    if not record.raised:
        return "resolved"
    if state.acked:
        return "acknowledged"
    if state.snoozed_until is not None and now < state.snoozed_until:
        return "snoozed"
    view = record.active_view()
    inhibition = find_inhibitor(view, active.sources_for(view), cfg)
    if inhibition is not None:
        record.inhibited_by = inhibition.source_dedup_key
        return "inhibited"
    return None


def forget_dropped(record: AlertRecord, queued: QueuedNotice, reason: str) -> None:
    """Undo `record_notified` for a raised notice that was dropped, so the recipient
    is told once the reason ends (snooze over, inhibitor resolved)."""
    if queued.notice is not NoticeKind.RAISED:
        return
    state = record.state
    # Only if nothing newer was recorded for this recipient since.
    if state.last_notified_at.get(queued.recipient_key) != queued.enqueued_at:
        return
    notified = dict(state.last_notified_at)
    if queued.previous_notified_at is None:
        notified.pop(queued.recipient_key, None)
    else:
        notified[queued.recipient_key] = queued.previous_notified_at
    record.state = replace(state, last_notified_at=notified)
    if reason == "snoozed" and state.snoozed_until is not None:
        due = [t for t in (record.recheck_at, state.snoozed_until) if t is not None]
        record.recheck_at = min(due)
