"""Lengthening repeats, acknowledged alerts that get worse, and what the title says."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from notifier_factories import T0, config, email, make_alert, pending

from radar_notifier.domain.alerts import Driver, NoticeReason
from radar_notifier.domain.digest import Digest
from radar_notifier.domain.fatigue import repeat_after
from radar_notifier.domain.render import render_email
from radar_notifier.domain.render.formatting import headline
from radar_notifier.domain.routing import repeat_schedule
from radar_notifier.domain.worsening import Renotify, Worsening, baseline, got_worse

DAY = timedelta(days=1)


def test_the_nth_repeat_waits_the_nth_step_then_the_last_over_and_over() -> None:
    rules = config(
        '[[routes]]\nname = "slow"\nchannels = ["email:owner"]\nrepeat = ["1d", "3d", "7d"]\n'
    )
    schedule = repeat_schedule(rules, "slow")
    assert [repeat_after(told, rules.timings, schedule) for told in range(1, 6)] == [
        DAY,
        3 * DAY,
        7 * DAY,
        7 * DAY,
        7 * DAY,
    ]
    # A route without a schedule, or an unknown one: the fixed repeat_interval.
    assert repeat_schedule(rules, "default") == ()
    assert repeat_after(4, rules.timings) == rules.timings.repeat_interval


def test_a_measure_worse_by_its_step_is_named_with_its_numbers() -> None:
    rules = config().renotify
    alert = make_alert(risk_score=60.0, health_score=50.0)
    since = baseline(alert, rules)
    assert since == {"risk_score": 60.0}  # health.* rules do not match a renewal alert
    assert got_worse(make_alert(risk_score=69.9), since, rules) == []
    [worse] = got_worse(make_alert(risk_score=70.0), since, rules)
    assert worse.describe() == "risk score 60 → 70 (+10)"
    down = Renotify(measure="usage_trend", worse="down", step=5)
    trend = make_alert(drivers=(Driver(name="usage_trend", value=-20.0, explanation="x"),))
    assert got_worse(trend, {"usage_trend": -14.0}, (down,)) == [
        Worsening("usage_trend", -14.0, -20.0)
    ]


def test_titles_say_reminder_and_worse_never_new() -> None:
    jane = email("jane@example.com")
    reminder = pending(jane, make_alert(alert_id="a-1", dedup_key="k-1"))
    reminder = replace(reminder, reason=NoticeReason.REPEAT)
    worse = pending(jane, make_alert(alert_id="a-2", dedup_key="k-2", account_name="Beta"))
    worse = replace(worse, reason=NoticeReason.WORSE, worse=(Worsening("risk_score", 60.0, 75.0),))
    new = pending(jane, make_alert(alert_id="a-3", dedup_key="k-3", account_name="Gamma"))
    digest = Digest(recipient=jane, items=(new, reminder, worse), superseded=(), created_at=T0)
    assert headline(digest) == "1 new alert, 1 reminder, 1 got worse (3 critical)"
    text = render_email(digest).text
    assert "[REMINDER (CRITICAL)] Renewal at risk" in text
    assert "[WORSE (CRITICAL)] Renewal at risk" in text
    assert "Worse since acknowledged: risk score 60 → 75 (+15)" in text
    single = Digest(recipient=jane, items=(reminder,), superseded=(), created_at=T0)
    assert headline(single) == "Reminder (critical): Renewal at risk — Acme Corp"
