"""Conditions that came and went before anyone was told, and history being loaded."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from notifier_factories import T0, config, make_alert, minutes

from radar_notifier.domain.alerts import NoticeKind
from radar_notifier.domain.fatigue import apply_alert
from radar_notifier.domain.notices import (
    ActiveAlerts,
    AlertRecord,
    QueuedNotice,
    came_and_went,
    recheck_reason,
)

KEY = "email:jane@example.com"
RAISE = QueuedNotice(KEY, NoticeKind.RAISED, T0, previous_notified_at=None)
REPEAT = QueuedNotice(KEY, NoticeKind.RAISED, T0, previous_notified_at=T0 - timedelta(days=1))
RESOLVE = QueuedNotice(KEY, NoticeKind.RESOLVED, T0 + minutes(1), previous_notified_at=None)


def test_a_first_raise_and_its_resolve_in_one_group_came_and_went() -> None:
    assert came_and_went([RAISE, RESOLVE])
    assert not came_and_went([RAISE])
    # They were told of this episode a day ago: they hear that it resolved.
    assert not came_and_went([REPEAT, RESOLVE])
    # Resolved (of an episode they were told of), raised again: they hear the news.
    assert not came_and_went([RESOLVE, RAISE])


def test_a_resolve_whose_raise_was_never_told_is_dropped() -> None:
    raised = apply_alert(None, make_alert())
    resolved = apply_alert(raised, make_alert(resolved=True, occurred_at=T0 + minutes(1)))
    record = AlertRecord(state=resolved, view=make_alert(resolved=True))
    active = ActiveAlerts([], ())
    assert recheck_reason(RESOLVE, record, active, T0, config()) == "never_told"
    told = AlertRecord(state=replace(resolved, last_notified_at={KEY: T0}), view=record.view)
    assert recheck_reason(RESOLVE, told, active, T0, config()) is None


def test_history_is_an_event_older_than_late_after_and_waits_until_it_settles() -> None:
    history = config().history
    assert not history.is_late(T0 - minutes(15), T0)
    assert history.is_late(T0 - minutes(16), T0)
    # Settled once no late event arrived for `settle` (2 minutes).
    assert history.settled(None, T0)
    assert not history.settled(T0, T0 + minutes(1))
    assert history.settled(T0, T0 + minutes(2))
