"""Repeats that lengthen per route, on the injected clock, and acknowledged alerts told
once more when they get worse by a step, saying what got worse."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from notifier_harness import RULES, T0, alert

from radar_runtime.auth.roles import Role

pytestmark = pytest.mark.integration

GROUP_WAIT = timedelta(seconds=30)
SECOND = timedelta(seconds=1)
DAY = timedelta(days=1)
JANE = "jane@example.com"

# Usage alerts repeat after 1 day, then 3 days, then every 7 days.
BACKOFF = RULES.replace(
    "[[routes]]",
    '[[routes]]\nname = "usage-backoff"\nmatch = { rule = "usage.*", segment = ["smb"] }\n'
    'channels = ["email:owner"]\nrepeat = ["1d", "3d", "7d"]\n\n[[routes]]',
    1,
)


@pytest.fixture
def rules_file(tmp_path: Path) -> Path:
    path = tmp_path / "notifier.toml"
    path.write_text(BACKOFF)
    return path


async def told_by(notifier, smtp_catcher, moment) -> int:
    """Run the worker at `moment` and once more a group_wait later (a repeat queued at
    `moment` goes out with its group); the emails Jane has by then."""
    notifier.clock.advance(moment - notifier.clock.now())
    await notifier.deliver()
    await notifier.deliver(after=GROUP_WAIT)
    return len(smtp_catcher.to(JANE))


async def test_repeats_lengthen_as_the_route_says(notifier, smtp_catcher):
    await notifier.publish(alert("acct-1", segment="smb"))
    assert await told_by(notifier, smtp_catcher, T0) == 1
    # The first notice was queued at T0: repeats at +1d, then 3d and 7d after each.
    expected = [(T0 + DAY, 2), (T0 + 4 * DAY, 3), (T0 + 11 * DAY, 4), (T0 + 18 * DAY, 5)]
    for due, count in expected:
        assert await told_by(notifier, smtp_catcher, due - SECOND - GROUP_WAIT) == count - 1
        assert await told_by(notifier, smtp_catcher, due) == count
    subjects = {m.subject for m in smtp_catcher.to(JANE)[1:]}
    assert subjects == {
        "[Renewal Radar] Reminder (warning): usage.sharp_drop on acct-1 — Acct-1 Inc"
    }


async def test_other_routes_keep_the_fixed_repeat_interval(notifier, smtp_catcher):
    await notifier.publish(alert("acct-1", segment="smb", rule="nps.detractor"))
    assert await told_by(notifier, smtp_catcher, T0) == 1
    assert await told_by(notifier, smtp_catcher, T0 + DAY) == 2
    assert await told_by(notifier, smtp_catcher, T0 + 2 * DAY - SECOND - GROUP_WAIT) == 2
    assert await told_by(notifier, smtp_catcher, T0 + 2 * DAY) == 3


def at_risk(notifier, score: float):
    """The renewal's risk as renewals raises it again, now."""
    return alert(
        "acct-9",
        segment="smb",
        rule="renewal.at_risk",
        severity="critical",
        risk_score=score,
        at=notifier.clock.now(),
    )


async def test_an_acknowledged_alert_is_told_once_more_when_it_gets_worse_by_a_step(
    notifier, smtp_catcher
):
    await notifier.publish(at_risk(notifier, 60.0))
    assert await told_by(notifier, smtp_catcher, T0) == 1
    jane = await notifier.as_person(Role.CSM, JANE, "Jane Doe")
    acked = await notifier.http.post("/v1/alerts/renewal.at_risk:acct-9/ack", headers=jane)
    assert acked.is_success
    # Up 5: not the step of 10; no repeat a day later either.
    await notifier.publish(at_risk(notifier, 65.0))
    assert await told_by(notifier, smtp_catcher, T0 + 2 * DAY) == 1
    # Up 12 since the acknowledgement: told once more, saying so; the manager too.
    await notifier.publish(at_risk(notifier, 72.0))
    assert await told_by(notifier, smtp_catcher, notifier.clock.now()) == 2
    worse = smtp_catcher.to(JANE)[-1]
    assert (
        worse.subject == "[Renewal Radar] Worse (critical): renewal.at_risk on acct-9 — Acct-9 Inc"
    )
    assert "Worse since acknowledged: risk score 60 → 72 (+12)" in worse.part("plain")
    assert len(smtp_catcher.to("max@example.com")) == 2
    # 72 is the one to beat now: 75 says nothing, 82 does.
    await notifier.publish(at_risk(notifier, 75.0))
    assert await told_by(notifier, smtp_catcher, notifier.clock.now() + DAY) == 2
    await notifier.publish(at_risk(notifier, 82.0))
    assert await told_by(notifier, smtp_catcher, notifier.clock.now()) == 3
    assert "risk score 72 → 82 (+10)" in smtp_catcher.to(JANE)[-1].part("plain")
    [shown] = await notifier.alerts()
    assert shown["state"] == "acked"  # still acknowledged
