from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from notifier_factories import T0, config, email, make_alert, minutes, pending, slack

from radar_notifier.domain.alerts import AlertView
from radar_notifier.domain.digest import Digest
from radar_notifier.domain.fatigue import next_group_due_at, plan_groups
from radar_schemas.common import Severity

TIMINGS = config().timings  # group_wait 30 s, group_interval 5 min
JANE = email("jane@example.com")
SECONDS = timedelta(seconds=1)


def _alert(n: int, **overrides: Any) -> AlertView:
    return make_alert(alert_id=f"a-{n}", dedup_key=f"k-{n}", **overrides)


def test_first_notification_waits_group_wait() -> None:
    items = [pending(JANE, _alert(1), T0)]
    assert plan_groups(items, T0 + 29 * SECONDS, TIMINGS, {}) == []
    digests = plan_groups(items, T0 + 30 * SECONDS, TIMINGS, {})
    assert [d.recipient for d in digests] == [JANE]
    assert next_group_due_at(items, TIMINGS, {}) == T0 + 30 * SECONDS


def test_group_wait_counts_from_the_first_pending_item() -> None:
    items = [pending(JANE, _alert(1), T0), pending(JANE, _alert(2), T0 + 20 * SECONDS)]
    (digest,) = plan_groups(items, T0 + 30 * SECONDS, TIMINGS, {})
    assert {p.alert.alert_id for p in digest.items} == {"a-1", "a-2"}


def test_later_notifications_wait_group_interval_after_the_last_flush() -> None:
    last_flush = T0
    items = [pending(JANE, _alert(3), T0 + minutes(1))]
    flushes = {JANE.key: last_flush}
    assert plan_groups(items, T0 + minutes(5) - SECONDS, TIMINGS, flushes) == []
    assert len(plan_groups(items, T0 + minutes(5), TIMINGS, flushes)) == 1
    assert next_group_due_at(items, TIMINGS, flushes) == T0 + minutes(5)


def test_a_burst_long_after_the_last_flush_still_waits_group_wait() -> None:
    items = [pending(JANE, _alert(1), T0 + timedelta(hours=6))]
    flushes = {JANE.key: T0}
    assert plan_groups(items, T0 + timedelta(hours=6), TIMINGS, flushes) == []
    assert next_group_due_at(items, TIMINGS, flushes) == T0 + timedelta(hours=6, seconds=30)


def test_many_alerts_make_one_digest_per_recipient() -> None:
    channel = slack("cs-alerts")
    items = [pending(JANE, _alert(n), T0) for n in range(40)]
    items += [pending(channel, _alert(n), T0) for n in range(5)]
    digests = plan_groups(items, T0 + minutes(1), TIMINGS, {})
    assert sorted((d.recipient.key, len(d.items)) for d in digests) == [
        ("email:jane@example.com", 40),
        ("slack:cs-alerts", 5),
    ]


def test_recipients_have_independent_timers() -> None:
    channel = slack("cs-alerts")
    items = [pending(JANE, _alert(1), T0), pending(channel, _alert(2), T0 + minutes(2))]
    digests = plan_groups(items, T0 + minutes(1), TIMINGS, {})
    assert [d.recipient for d in digests] == [JANE]


def test_digest_orders_by_urgency_and_puts_resolved_last() -> None:
    items = [
        pending(JANE, _alert(1, severity=Severity.INFO)),
        pending(JANE, _alert(2, severity=Severity.WARNING, arr=10.0)),
        pending(JANE, _alert(3, resolved=True)),
        pending(JANE, _alert(4, severity=Severity.CRITICAL)),
        pending(JANE, _alert(5, severity=Severity.WARNING, arr=99.0)),
    ]
    (digest,) = plan_groups(items, T0 + minutes(1), TIMINGS, {})
    assert [p.alert.alert_id for p in digest.items] == ["a-4", "a-5", "a-2", "a-1", "a-3"]
    assert [p.alert.alert_id for p in digest.resolved] == ["a-3"]


def test_newer_notice_for_the_same_alert_supersedes_the_older() -> None:
    raised = pending(JANE, make_alert(alert_id="r", dedup_key="k"))
    resolved = pending(
        JANE, make_alert(alert_id="s", dedup_key="k", resolved=True, occurred_at=T0 + minutes(0.1))
    )
    (digest,) = plan_groups([resolved, raised], T0 + minutes(1), TIMINGS, {})
    assert digest.items == (resolved,)
    assert digest.superseded == (raised,)


def test_digest_key_is_stable_and_order_independent() -> None:
    items = [pending(JANE, _alert(1)), pending(JANE, _alert(2))]
    (first,) = plan_groups(items, T0 + minutes(1), TIMINGS, {})
    (second,) = plan_groups(list(reversed(items)), T0 + minutes(2), TIMINGS, {})
    assert first.key == second.key
    (other,) = plan_groups(items[:1], T0 + minutes(1), TIMINGS, {})
    assert other.key != first.key


def test_nothing_pending_means_nothing_due() -> None:
    assert plan_groups([], T0, TIMINGS, {}) == []
    assert next_group_due_at([], TIMINGS, {}) is None


def test_an_empty_digest_cannot_exist() -> None:
    with pytest.raises(ValueError):
        Digest(recipient=JANE, items=(), superseded=(), created_at=T0)
