from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from notifier_factories import T0, config, email, make_alert

from radar_notifier.domain.alerts import NoticeKind
from radar_notifier.domain.fatigue import (
    AlertState,
    DecisionReason,
    acknowledge,
    apply_alert,
    record_notified,
    should_notify,
    snooze,
    unsnooze,
)
from radar_notifier.domain.routing import Recipient

JANE = email("jane@example.com")
MAX = email("max@example.com")
TIMINGS = config().timings
DAY = timedelta(hours=24)


def _raised(at: datetime = T0) -> AlertState:
    return apply_alert(None, make_alert(occurred_at=at))


def _notified(state: AlertState, *recipients: Recipient, at: datetime = T0) -> AlertState:
    for recipient in recipients:
        state = record_notified(state, recipient.key, state.status, at)
    return state


def _resolve(state: AlertState, at: datetime = T0 + timedelta(hours=1)) -> AlertState:
    return apply_alert(state, make_alert(occurred_at=at, resolved=True, alert_id="a-1r"))


def test_first_raise_is_sent() -> None:
    decision = should_notify(_raised(), JANE, T0, TIMINGS)
    assert (decision.send, decision.reason, decision.notice) == (
        True,
        DecisionReason.FIRST_NOTICE,
        NoticeKind.RAISED,
    )


def test_duplicate_raise_is_not_sent_again_within_repeat_interval() -> None:
    state = _notified(_raised(), JANE)
    state = apply_alert(state, make_alert(occurred_at=T0 + timedelta(hours=2), alert_id="a-2"))
    decision = should_notify(state, JANE, T0 + timedelta(hours=2), TIMINGS)
    assert (decision.send, decision.reason) == (False, DecisionReason.NOTIFIED_RECENTLY)
    assert decision.recheck_at == T0 + DAY
    # Another recipient has not heard yet.
    assert should_notify(state, MAX, T0 + timedelta(hours=2), TIMINGS).send is True


@pytest.mark.parametrize(
    ("elapsed", "send"),
    [(DAY - timedelta(microseconds=1), False), (DAY, True), (DAY + timedelta(seconds=1), True)],
)
def test_repeat_interval_boundary(elapsed: timedelta, send: bool) -> None:
    state = _notified(_raised(), JANE)
    decision = should_notify(state, JANE, T0 + elapsed, TIMINGS)
    assert decision.send is send
    if send:
        assert decision.reason is DecisionReason.REPEAT_INTERVAL_ELAPSED


def test_repeat_interval_is_configurable() -> None:
    state = _notified(_raised(), JANE)
    short = config('[timings]\nrepeat_interval = "1h"').timings
    assert should_notify(state, JANE, T0 + timedelta(hours=1), short).send is True


def test_acked_alert_is_not_sent_until_it_resolves_and_re_raises() -> None:
    state = acknowledge(_notified(_raised(), JANE), "jane", T0 + timedelta(minutes=5))
    later = T0 + 3 * DAY
    decision = should_notify(state, JANE, later, TIMINGS)
    assert (decision.send, decision.reason) == (False, DecisionReason.ACKNOWLEDGED)
    assert should_notify(state, MAX, later, TIMINGS).send is False  # an ack silences everyone

    resolved = _resolve(state)
    assert should_notify(resolved, JANE, later, TIMINGS).reason is DecisionReason.RESOLVED_NOTICE
    re_raised = apply_alert(resolved, make_alert(occurred_at=later, alert_id="a-3"))
    assert re_raised.acked is False
    assert should_notify(re_raised, JANE, later, TIMINGS).reason is DecisionReason.FIRST_NOTICE


def test_acknowledge_needs_a_name() -> None:
    with pytest.raises(ValueError):
        acknowledge(_raised(), " ", T0)


def test_snooze_until_a_date() -> None:
    until = T0 + 3 * DAY
    state = snooze(_raised(), until, now=T0)
    during = should_notify(state, JANE, until - timedelta(seconds=1), TIMINGS)
    assert (during.send, during.reason, during.recheck_at) == (False, DecisionReason.SNOOZED, until)
    assert should_notify(state, JANE, until, TIMINGS).send is True
    assert should_notify(unsnooze(state), JANE, T0, TIMINGS).send is True


def test_snooze_in_the_past_is_refused() -> None:
    with pytest.raises(ValueError):
        snooze(_raised(), T0, now=T0)


def test_snooze_survives_resolve_and_re_raise() -> None:
    state = snooze(_raised(), T0 + 7 * DAY, now=T0)
    state = apply_alert(_resolve(state), make_alert(occurred_at=T0 + DAY, alert_id="a-4"))
    assert state.status is NoticeKind.RAISED
    assert should_notify(state, JANE, T0 + 2 * DAY, TIMINGS).reason is DecisionReason.SNOOZED


def test_resolved_notice_goes_once_to_those_told_of_the_raise() -> None:
    state = _resolve(_notified(_raised(), JANE))
    now = T0 + timedelta(hours=1)
    first = should_notify(state, JANE, now, TIMINGS)
    assert (first.send, first.reason, first.notice) == (
        True,
        DecisionReason.RESOLVED_NOTICE,
        NoticeKind.RESOLVED,
    )
    never_told = should_notify(state, MAX, now, TIMINGS)
    assert (never_told.send, never_told.reason) == (False, DecisionReason.NOT_NOTIFIED_OF_RAISE)
    state = record_notified(state, JANE.key, NoticeKind.RESOLVED, now)
    again = should_notify(state, JANE, now + DAY, TIMINGS)
    assert (again.send, again.reason) == (False, DecisionReason.RESOLVED_NOTICE_ALREADY_SENT)


def test_resolved_while_snoozed_is_never_sent_late() -> None:
    state = _notified(_raised(), JANE)
    state = snooze(state, T0 + DAY, now=T0 + timedelta(minutes=1))
    state = _resolve(state, at=T0 + timedelta(hours=2))
    after_snooze = should_notify(state, JANE, T0 + 2 * DAY, TIMINGS)
    assert (after_snooze.send, after_snooze.reason) == (
        False,
        DecisionReason.RESOLVED_WHILE_SNOOZED,
    )


def test_re_raise_starts_a_new_episode_for_every_recipient() -> None:
    state = _resolve(_notified(_raised(), JANE, MAX))
    state = record_notified(state, JANE.key, NoticeKind.RESOLVED, T0 + timedelta(hours=1))
    re_raised = apply_alert(state, make_alert(occurred_at=T0 + timedelta(hours=3), alert_id="b"))
    assert re_raised.first_raised_at == T0 + timedelta(hours=3)
    assert dict(re_raised.last_notified_at) == {}
    assert re_raised.resolved_notified == frozenset()
    # New episode: told again at once, no repeat_interval wait.
    assert should_notify(re_raised, JANE, T0 + timedelta(hours=3), TIMINGS).send is True


def test_stale_resolve_older_than_latest_raise_is_ignored() -> None:
    state = apply_alert(_raised(), make_alert(occurred_at=T0 + timedelta(hours=2)))
    assert _resolve(state, at=T0 + timedelta(hours=1)) == state


def test_stale_raise_older_than_resolve_is_ignored() -> None:
    state = _resolve(_raised(), at=T0 + timedelta(hours=2))
    late = apply_alert(state, make_alert(occurred_at=T0 + timedelta(hours=1)))
    assert late == state
    assert late.status is NoticeKind.RESOLVED


def test_raise_and_resolve_at_the_same_instant_settle_on_resolved_in_either_order() -> None:
    raise_event = make_alert(occurred_at=T0)
    resolve_event = make_alert(occurred_at=T0, resolved=True)
    assert apply_alert(apply_alert(None, raise_event), resolve_event).status is NoticeKind.RESOLVED
    assert apply_alert(apply_alert(None, resolve_event), raise_event).status is NoticeKind.RESOLVED


def test_resolve_without_a_raise_notifies_nobody() -> None:
    state = apply_alert(None, make_alert(resolved=True))
    assert state.first_raised_at is None
    assert should_notify(state, JANE, T0, TIMINGS).reason is DecisionReason.NOT_NOTIFIED_OF_RAISE


def test_a_later_resolve_moves_the_resolve_time_so_a_same_instant_raise_stays_stale() -> None:
    # Found by the order property: resolve@0, resolve@1, raise@1 must end resolved.
    state = apply_alert(None, make_alert(occurred_at=T0, resolved=True))
    state = _resolve(state, at=T0 + timedelta(minutes=1))
    state = apply_alert(state, make_alert(occurred_at=T0 + timedelta(minutes=1)))
    assert state.status is NoticeKind.RESOLVED
    assert state.resolved_at == T0 + timedelta(minutes=1)
