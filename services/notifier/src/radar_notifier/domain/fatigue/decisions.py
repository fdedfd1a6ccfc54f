"""Whether one recipient should hear about one alert now, and why (for the delivery log)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from radar_notifier.domain.alerts import NoticeKind
from radar_notifier.domain.fatigue.state import AlertState
from radar_notifier.domain.fatigue.timings import Timings
from radar_notifier.domain.routing import Recipient


class DecisionReason(StrEnum):
    FIRST_NOTICE = "first_notice"
    REPEAT_INTERVAL_ELAPSED = "repeat_interval_elapsed"
    NOTIFIED_RECENTLY = "notified_recently"
    ACKNOWLEDGED = "acknowledged"
    SNOOZED = "snoozed"
    RESOLVED_NOTICE = "resolved_notice"
    RESOLVED_NOTICE_ALREADY_SENT = "resolved_notice_already_sent"
    NOT_NOTIFIED_OF_RAISE = "not_notified_of_raise"
    RESOLVED_WHILE_SNOOZED = "resolved_while_snoozed"


@dataclass(frozen=True)
class Decision:
    send: bool
    reason: DecisionReason
    notice: NoticeKind
    # When asking again could give a different answer (repeat due, snooze over);
    # None when only a new event can change it.
    recheck_at: datetime | None = None


def should_notify(
    state: AlertState,
    recipient: Recipient,
    now: datetime,
    timings: Timings,
    schedule: Sequence[timedelta] = (),
) -> Decision:
    """`schedule`: the recipient's route's lengthening repeats (the n-th repeat comes
    schedule[n-1] after the previous notice, the last one over and over); without
    one, every repeat comes repeat_interval after the previous notice."""
    if state.status is NoticeKind.RESOLVED:
        return _resolved_decision(state, recipient)
    raised = NoticeKind.RAISED
    if state.acked:
        return Decision(False, DecisionReason.ACKNOWLEDGED, raised)
    if state.snoozed_until is not None and now < state.snoozed_until:
        return Decision(False, DecisionReason.SNOOZED, raised, recheck_at=state.snoozed_until)
    last = state.last_notified_at.get(recipient.key)
    if last is None:
        return Decision(True, DecisionReason.FIRST_NOTICE, raised)
    told = state.notified_count.get(recipient.key, 1)
    repeat_at = last + repeat_after(told, timings, schedule)
    if now >= repeat_at:
        return Decision(True, DecisionReason.REPEAT_INTERVAL_ELAPSED, raised)
    return Decision(False, DecisionReason.NOTIFIED_RECENTLY, raised, recheck_at=repeat_at)


def repeat_after(told: int, timings: Timings, schedule: Sequence[timedelta] = ()) -> timedelta:
    """How long after a recipient's `told`-th notice of an episode the next one is due."""
    return schedule[min(told, len(schedule)) - 1] if schedule else timings.repeat_interval


def _resolved_decision(state: AlertState, recipient: Recipient) -> Decision:
    # Acks do not hold back the resolved notice: it closes the loop for whoever acked.
    resolved = NoticeKind.RESOLVED
    if recipient.key not in state.last_notified_at:
        return Decision(False, DecisionReason.NOT_NOTIFIED_OF_RAISE, resolved)
    if recipient.key in state.resolved_notified:
        return Decision(False, DecisionReason.RESOLVED_NOTICE_ALREADY_SENT, resolved)
    # Judged on when it resolved, not on `now`, so a notice muted by a snooze is never
    # sent late once the snooze ends.
    snoozed_until, resolved_at = state.snoozed_until, state.resolved_at
    if snoozed_until is not None and resolved_at is not None and resolved_at < snoozed_until:
        return Decision(False, DecisionReason.RESOLVED_WHILE_SNOOZED, resolved)
    return Decision(True, DecisionReason.RESOLVED_NOTICE, resolved)
