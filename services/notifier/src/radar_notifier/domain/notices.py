"""Who should hear about an alert now: routing, inhibition and fatigue decisions combined.

Pure: the projection, the recheck sweep and the digest flush load records, call
these, and store what comes back. Evaluated twice on purpose: when a notice is queued, and
again when its group is flushed, so an ack, a snooze or a critical alert that arrives
during group_wait still holds the notice back.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol

from radar_notifier.domain.alerts import AlertView, NoticeKind, NoticeReason
from radar_notifier.domain.fatigue import (
    AlertState,
    DecisionReason,
    History,
    InhibitRule,
    Timings,
    apply_alert,
    find_inhibitor,
    record_notified,
    repeat_after,
    should_notify,
)
from radar_notifier.domain.former_customers import FormerCustomers
from radar_notifier.domain.routing import (
    Recipient,
    Routing,
    RoutingOutcome,
    repeat_schedule,
    route_alert,
)
from radar_notifier.domain.worsening import Renotify, Worsening, got_worse

_PENDING_NAMESPACE = uuid.UUID("6f1d2a52-5a0e-4c55-9a56-3b7f5d0c1e42")


class NoticeRules(Routing, Protocol):
    """What deciding notices reads from the rule file (rules.NotifierRules has it all)."""

    @property
    def timings(self) -> Timings: ...

    @property
    def history(self) -> History: ...

    @property
    def renotify(self) -> Sequence[Renotify]: ...

    @property
    def inhibit_rules(self) -> Sequence[InhibitRule]: ...

    @property
    def former_customers(self) -> FormerCustomers: ...


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
    instead of all of them; and which of those accounts are former customers."""

    def __init__(
        self,
        views: Iterable[AlertView],
        rules: Sequence[InhibitRule],
        former_customers: Collection[str] = (),
    ) -> None:
        self.former_customers = former_customers
        self._all = [v for v in views if not v.resolved]
        self._per_account = inhibits_within_accounts(rules)
        self._by_account: dict[str, list[AlertView]] = defaultdict(list)
        for view in self._all:
            self._by_account[view.account_id].append(view)

    def sources_for(self, alert: AlertView) -> list[AlertView]:
        return self._by_account.get(alert.account_id, []) if self._per_account else self._all


def inhibits_within_accounts(rules: Sequence[InhibitRule]) -> bool:
    """True when every inhibit rule needs source and target on the same account, so an
    alert's possible inhibitors are among its own account's alerts."""
    return all("account_id" in rule.equal for rule in rules)


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
    # A notice of history being loaded: it waits until the load settles.
    held: bool = False
    reason: NoticeReason = NoticeReason.FIRST
    worse: tuple[Worsening, ...] = ()


@dataclass
class Evaluation:
    # The records evaluated, changed in place: to be stored with the notices.
    records: list[AlertRecord] = field(default_factory=list)
    notices: list[NewNotice] = field(default_factory=list)
    # Why recipients were not notified, for radar_notifications_suppressed_total.
    suppressed: Counter[str] = field(default_factory=Counter)


def apply_alerts(
    records: dict[str, AlertRecord], views: Sequence[AlertView]
) -> dict[str, datetime]:
    """Fold alert events into their records (adding the new ones), in arrival order.

    Returns, per dedup_key touched, the time of the event that now stands for it.
    """
    caused_at: dict[str, datetime] = {}
    for view in views:
        record = records.get(view.dedup_key)
        if record is None:
            records[view.dedup_key] = AlertRecord(state=apply_alert(None, view), view=view)
        else:
            record.state = apply_alert(record.state, view)
            if _newer(view, record.view):
                record.view = view
        caused_at[view.dedup_key] = records[view.dedup_key].view.occurred_at
    return caused_at


def lifted_inhibitions(
    records: Mapping[str, AlertRecord], caused_at: Mapping[str, datetime]
) -> set[str]:
    """The alerts a now-resolved alert was muting: they get their turn again."""
    return {
        key
        for key, record in records.items()
        if record.inhibited_by is not None
        and not _is_raised(records.get(record.inhibited_by), record.inhibited_by, caused_at)
    }


def _newer(candidate: AlertView, current: AlertView) -> bool:
    # As `apply_alert`: the newest event wins; a resolve beats a raise at the same instant.
    if candidate.occurred_at != current.occurred_at:
        return candidate.occurred_at > current.occurred_at
    return candidate.resolved or not current.resolved


def _is_raised(record: AlertRecord | None, key: str, touched: Mapping[str, datetime]) -> bool:
    # An inhibitor this batch did not touch is left as it was.
    if key not in touched:
        return True
    return record is not None and record.raised


def evaluate_all(
    records: Mapping[str, AlertRecord],
    caused_at: Mapping[str, datetime],
    also: Iterable[str],
    sources: Iterable[AlertView],
    now: datetime,
    rules: NoticeRules,
    former_customers: Collection[str] = (),
) -> Evaluation:
    """Evaluate the records in `caused_at` (event-caused) and `also` (time-caused),
    against the raised alerts among `sources` as possible inhibitors."""
    active = ActiveAlerts(sources, rules.inhibit_rules, former_customers)
    evaluation = Evaluation()
    for key in sorted(set(caused_at) | set(also)):
        record = records[key]
        evaluate(record, active, now, rules, evaluation, caused_at=caused_at.get(key))
        evaluation.records.append(record)
    return evaluation


def evaluate(
    record: AlertRecord,
    active: ActiveAlerts,
    now: datetime,
    rules: NoticeRules,
    into: Evaluation,
    *,
    caused_at: datetime | None = None,
) -> None:
    """Route the alert, apply inhibition and per-recipient fatigue rules, queue notices.

    `caused_at` is the time of the alert event that prompted this evaluation; None
    when the passing of time did.
    """
    routing = route_alert(record.view, rules)
    record.routing = routing
    record.recheck_at = None
    record.inhibited_by = None
    if record.raised and rules.former_customers.mutes(record.view, active.former_customers):
        into.suppressed["former_customer"] += len(routing.recipients)
        return
    if record.raised:
        view = record.active_view()
        inhibition = find_inhibitor(view, active.sources_for(view), rules.inhibit_rules)
        if inhibition is not None:
            # Lifted by an event (the source resolving), not by time: no recheck.
            record.inhibited_by = inhibition.source_dedup_key
            into.suppressed["inhibited"] += len(routing.recipients)
            return
    rechecks: list[datetime] = []
    state = record.state
    held = caused_at is not None and rules.history.is_late(caused_at, now)
    worse = _worse(record, caused_at, rules)
    for recipient in routing.recipients:
        schedule = repeat_schedule(rules, recipient.route)
        decision = should_notify(state, recipient, now, rules.timings, schedule)
        if worse and decision.reason is DecisionReason.ACKNOWLEDGED:
            reason = NoticeReason.WORSE  # acknowledged, but worse: told once more
        elif decision.send:
            repeat = decision.reason is DecisionReason.REPEAT_INTERVAL_ELAPSED
            reason = NoticeReason.REPEAT if repeat else NoticeReason.FIRST
        else:
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
                held=held,
                reason=reason,
                worse=tuple(worse) if reason is NoticeReason.WORSE else (),
            )
        )
        if decision.notice is NoticeKind.RAISED and not state.acked:
            told = state.notified_count.get(recipient.key, 1)
            rechecks.append(now + repeat_after(told, rules.timings, schedule))
    if worse:
        state = replace(
            state, ack_baseline={**state.ack_baseline, **{w.measure: w.after for w in worse}}
        )
    record.state = state
    if record.raised and rechecks:
        record.recheck_at = min(rechecks)


def _worse(record: AlertRecord, caused_at: datetime | None, rules: NoticeRules) -> list[Worsening]:
    """What got worse since an acknowledged alert was acknowledged, as a new raise says."""
    if caused_at is None or not record.raised or not record.state.acked:
        return []
    return got_worse(record.view, record.state.ack_baseline, rules.renotify)


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
    reason: NoticeReason = NoticeReason.FIRST


def recheck_reason(
    queued: QueuedNotice,
    record: AlertRecord | None,
    active: ActiveAlerts,
    now: datetime,
    rules: NoticeRules,
) -> str | None:
    """Why a queued notice must no longer be sent, or None to send it."""
    if record is None:
        return None
    state = record.state
    if queued.notice is NoticeKind.RESOLVED:
        if record.raised:
            return "raised_again"
        # Their raise was dropped (it resolved before their digest): nothing to close.
        return None if queued.recipient_key in state.last_notified_at else "never_told"
    if not record.raised:
        return "resolved"
    if rules.former_customers.mutes(record.view, active.former_customers):
        return "former_customer"
    if state.acked and queued.reason is not NoticeReason.WORSE:
        return "acknowledged"
    if state.snoozed_until is not None and now < state.snoozed_until:
        return "snoozed"
    view = record.active_view()
    inhibition = find_inhibitor(view, active.sources_for(view), rules.inhibit_rules)
    if inhibition is not None:
        record.inhibited_by = inhibition.source_dedup_key
        return "inhibited"
    return None


def came_and_went(queued: Sequence[QueuedNotice]) -> bool:
    """True when one recipient's queued notices of one alert, oldest first, begin with
    the first raise of an episode they were never told of and end with a resolve: the
    condition came and went before their digest, so they need not hear of it at all."""
    first, last = queued[0], queued[-1]
    return (
        first.notice is NoticeKind.RAISED
        and first.previous_notified_at is None
        and last.notice is NoticeKind.RESOLVED
    )


def forget_dropped(record: AlertRecord, queued: QueuedNotice, reason: str) -> None:
    """Undo `record_notified` for a raised notice that was dropped, so the recipient
    is told once the reason ends (snooze over, inhibitor resolved)."""
    if queued.notice is not NoticeKind.RAISED:
        return
    state = record.state
    # Only if nothing newer was recorded for this recipient since.
    if state.last_notified_at.get(queued.recipient_key) != queued.enqueued_at:
        return
    key = queued.recipient_key
    notified, counts = dict(state.last_notified_at), dict(state.notified_count)
    if queued.previous_notified_at is None:
        notified.pop(key, None)
        counts.pop(key, None)
    else:
        notified[key] = queued.previous_notified_at
        counts[key] = max(counts.get(key, 1) - 1, 1)
    record.state = replace(state, last_notified_at=notified, notified_count=counts)
    if reason == "snoozed" and state.snoozed_until is not None:
        due = [t for t in (record.recheck_at, state.snoozed_until) if t is not None]
        record.recheck_at = min(due)
