"""What the notifier remembers about one alert (per `dedup_key`) and how it changes.

Every transition is a pure function returning a new `AlertState`; the I/O layer
stores the result. Alert events may arrive late or out of order, so transitions
compare `occurred_at` and ignore stale events; a raise and a resolve at the same
instant settle on resolved whatever order they arrive in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType

from radar_notifier.domain.alerts import AlertView, NoticeKind


@dataclass(frozen=True, kw_only=True)
class AlertState:
    dedup_key: str
    status: NoticeKind
    # Start of the current episode (raised → resolved); None if only a resolve was seen.
    first_raised_at: datetime | None
    last_raised_at: datetime | None
    resolved_at: datetime | None = None
    # Recipient key → when it was last told this alert is raised, for this episode,
    # and how many times (a repeat schedule lengthens with it).
    last_notified_at: Mapping[str, datetime] = field(default_factory=dict)
    notified_count: Mapping[str, int] = field(default_factory=dict)
    # Recipients already told that this episode resolved.
    resolved_notified: frozenset[str] = frozenset()
    acked_by: str | None = None
    acked_at: datetime | None = None
    # The measures `[[renotify]]` watches, as they were when acknowledged (or last
    # told again for getting worse).
    ack_baseline: Mapping[str, float] = field(default_factory=dict)
    # A snooze is a date chosen by a person, so it outlives a resolve and re-raise.
    snoozed_until: datetime | None = None

    def __post_init__(self) -> None:
        for name in ("last_notified_at", "notified_count", "ack_baseline"):
            object.__setattr__(self, name, MappingProxyType(dict(getattr(self, name))))

    @property
    def acked(self) -> bool:
        return self.acked_at is not None

    @property
    def last_event_at(self) -> datetime | None:
        return self.resolved_at if self.status is NoticeKind.RESOLVED else self.last_raised_at


def apply_alert(state: AlertState | None, alert: AlertView) -> AlertState:
    """Fold an `alert.raised` / `alert.resolved` event into the state of its dedup_key."""
    at = alert.occurred_at
    if state is None:
        if alert.resolved:
            return AlertState(
                dedup_key=alert.dedup_key,
                status=NoticeKind.RESOLVED,
                first_raised_at=None,
                last_raised_at=None,
                resolved_at=at,
            )
        return AlertState(
            dedup_key=alert.dedup_key,
            status=NoticeKind.RAISED,
            first_raised_at=at,
            last_raised_at=at,
        )
    if state.status is NoticeKind.RAISED:
        assert state.last_raised_at is not None  # a raised state always has one
        if alert.resolved:
            if at < state.last_raised_at:
                return state  # a resolve older than the latest raise is stale
            return replace(state, status=NoticeKind.RESOLVED, resolved_at=at)
        return replace(state, last_raised_at=max(state.last_raised_at, at))
    # Resolved: only a strictly newer raise starts a new episode.
    assert state.resolved_at is not None
    if alert.resolved:
        # Keep the latest resolve, so a raise at that same instant is seen as stale.
        return replace(state, resolved_at=max(state.resolved_at, at))
    if at <= state.resolved_at:
        return state
    return AlertState(
        dedup_key=state.dedup_key,
        status=NoticeKind.RAISED,
        first_raised_at=at,
        last_raised_at=at,
        snoozed_until=state.snoozed_until,
    )


def record_notified(
    state: AlertState, recipient_key: str, notice: NoticeKind, at: datetime
) -> AlertState:
    """Remember that a notice reached (or was handed for delivery to) a recipient."""
    if notice is NoticeKind.RESOLVED:
        return replace(state, resolved_notified=state.resolved_notified | {recipient_key})
    told = state.notified_count.get(recipient_key, 0) + 1
    return replace(
        state,
        last_notified_at={**state.last_notified_at, recipient_key: at},
        notified_count={**state.notified_count, recipient_key: told},
    )


def acknowledge(
    state: AlertState, by: str, at: datetime, baseline: Mapping[str, float] | None = None
) -> AlertState:
    """Silence the alert until it resolves and is raised again, or gets worse than
    `baseline` (the watched measures now) by a `[[renotify]]` step."""
    if not by.strip():
        raise ValueError("an acknowledgement needs the name of who acknowledged")
    return replace(state, acked_by=by, acked_at=at, ack_baseline=baseline or {})


def snooze(state: AlertState, until: datetime, now: datetime) -> AlertState:
    """Silence the alert until a date, across resolves and re-raises."""
    if until <= now:
        raise ValueError("a snooze must end in the future")
    return replace(state, snoozed_until=until)


def unsnooze(state: AlertState) -> AlertState:
    return replace(state, snoozed_until=None)
