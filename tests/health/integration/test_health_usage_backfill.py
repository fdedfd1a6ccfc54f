"""Usage history arriving late (a backfill, a replay, a consumer catching up): the alerts
and the score history must depend on the events, not on how the broker and the service
happened to batch them.

Each case delivers one usage history to fresh accounts in several splits through the real
broker and database, letting the service apply and recompute after every part, then lets
the late usage settle and compares the `usage.sharp_drop` alerts each account got (with
the event-time instants they carry) and its score history.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import pytest
from health_harness import Health, health_settings, new_account, running_health, usage
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from radar_health.rules import PACKAGE, HealthRules
from radar_health.work.scheduled_recompute import RECOMPUTE_JOB
from radar_runtime.rules import load_rules
from radar_runtime.testing.helpers import publish
from radar_schemas.codec import decode
from radar_schemas.topics import ALERTS
from radar_schemas.usage import UsageRecordedEvent

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

RULE = "usage.sharp_drop"
SETTLE = timedelta(minutes=load_rules(HealthRules, PACKAGE).alerts.backfill_settle_minutes)
STEADY = [10.0] * 35  # logins per day, yesterday first
DROPPED = [1.0] * 7 + [10.0] * 28  # last week at 10 % of the 28 days before


@pytest.fixture(scope="module")
async def health(kafka_bootstrap, database_url):
    async with running_health(health_settings(kafka_bootstrap, database_url)) as running:
        yield running


@dataclass(frozen=True)
class Outcome:
    open: bool  # a usage.sharp_drop alert is open at the end
    raised: int
    resolved: int
    # (event type, occurred_at) of each usage.sharp_drop event, in emission order.
    times: tuple[tuple[str, datetime], ...] = ()

    def counts(self) -> tuple[bool, int, int]:
        return (self.open, self.raised, self.resolved)


def history(account: str, now: datetime, daily: Sequence[float]) -> list[UsageRecordedEvent]:
    """`daily[i]` logins at noon-ish of the day `i + 1` days before `now`, one event a day."""
    return [usage(account, now - timedelta(days=i + 1), q) for i, q in enumerate(daily) if q]


async def deliver(health: Health, kafka_bootstrap: str, parts: list[list]) -> None:
    """Each part is applied and recomputed (as the next batch would find it) before the next."""
    for part in parts:
        await publish(kafka_bootstrap, health.settings, part)
        ids = [e.event_id for e in part]
        await health.wait_for_async(
            lambda a=part[0].account_id, i=ids: health.settled(a, i), what="part applied"
        )


async def settle(health: Health) -> None:
    """No late usage for the settle period, then the worker's pass: the verdict on full data."""
    await health.replay_settled_history(SETTLE)


async def outcome(health: Health, account: str) -> Outcome:
    # The outbox holds every event the service emitted, committed with its recompute.
    rows = await health.sql(
        "SELECT value FROM outbox WHERE key = :a AND topic = :t ORDER BY id",
        a=account,
        t=health.settings.topic(ALERTS),
    )
    events = [decode(row[0]) for row in rows]
    rules = [(e.type, e.payload.rule) for e in events]
    times = tuple((e.type, e.occurred_at) for e in events if e.payload.rule == RULE)
    open_rows = await health.sql(
        "SELECT count(*) FROM open_alerts WHERE account_id = :a AND rule = :r", a=account, r=RULE
    )
    return Outcome(
        open=open_rows[0][0] == 1,
        raised=rules.count(("alert.raised", RULE)),
        resolved=rules.count(("alert.resolved", RULE)),
        times=times,
    )


async def points(health: Health, account: str) -> list[tuple[datetime, float]]:
    """The history by event time: the points at the closes of the days before today."""
    rows = await health.sql(
        "SELECT at, score FROM score_history WHERE account_id = :a AND at <= :midnight ORDER BY at",
        a=account,
        midnight=datetime.combine(health.clock.now().date(), time(), tzinfo=UTC),
    )
    return [tuple(r) for r in rows]


def by_day(events: list[UsageRecordedEvent]) -> list[list[UsageRecordedEvent]]:
    return [[e] for e in sorted(events, key=lambda e: e.occurred_at)]


async def test_a_backfill_in_time_order_raises_no_drop_that_the_full_history_lacks(
    health, kafka_bootstrap
):
    """The demo's pattern: 35 steady days posted oldest first. Part-way, the last week looks
    empty; that is history not yet arrived, not a drop."""
    now = health.clock.now()
    whole, daily, weekly = new_account("whole"), new_account("daily"), new_account("weekly")
    await deliver(health, kafka_bootstrap, [history(whole, now, STEADY)])
    await deliver(health, kafka_bootstrap, by_day(history(daily, now, STEADY)))
    oldest_first = sorted(history(weekly, now, STEADY), key=lambda e: e.occurred_at)
    await deliver(health, kafka_bootstrap, [oldest_first[i : i + 7] for i in range(0, 35, 7)])
    await settle(health)

    quiet = Outcome(open=False, raised=0, resolved=0)
    assert [await outcome(health, a) for a in (whole, daily, weekly)] == [quiet] * 3
    # A point at the close (midnight UTC) of every day from the first one that could be
    # scored (usage alone: once 30 days are there to compare with), the same for every split.
    closes = await points(health, whole)
    midnight = datetime.combine(now.date(), time(), tzinfo=UTC)
    assert [at for at, _ in closes] == [midnight - timedelta(days=i) for i in range(4, -1, -1)]
    assert await points(health, daily) == closes == await points(health, weekly)


async def test_a_backfilled_real_drop_alerts_once_whatever_the_split(health, kafka_bootstrap):
    now = health.clock.now()
    accounts = [new_account(label) for label in ("whole", "daily", "newest", "shuffled")]
    whole, daily, newest, shuffled = accounts
    await deliver(health, kafka_bootstrap, [history(whole, now, DROPPED)])
    await deliver(health, kafka_bootstrap, by_day(history(daily, now, DROPPED)))
    await deliver(health, kafka_bootstrap, list(reversed(by_day(history(newest, now, DROPPED)))))
    mixed = history(shuffled, now, DROPPED)
    random.Random(7).shuffle(mixed)
    await deliver(health, kafka_bootstrap, [mixed[i : i + 5] for i in range(0, 35, 5)])
    assert [(await outcome(health, a)).raised for a in accounts] == [0] * 4  # still settling

    await settle(health)
    results = [await outcome(health, a) for a in accounts]
    assert [r.counts() for r in results] == [(True, 1, 0)] * 4
    # Raised at the close of the first day the last week fell to 60 % or less (4 of its
    # days at one login: 34 of 70, four days ago), not when the history happened to arrive.
    dropped_at = datetime.combine((now - timedelta(days=3)).date(), time(), tzinfo=UTC)
    assert [r.times for r in results] == [(("alert.raised", dropped_at),)] * 4


async def test_a_drop_in_live_usage_alerts_on_the_first_recompute_that_sees_it(
    health, kafka_bootstrap
):
    """Usage that arrives on its own day is not late: nothing is held back."""
    account = new_account("live")
    start = health.clock.now()
    await deliver(health, kafka_bootstrap, [history(account, start, STEADY)])
    await settle(health)
    assert (await outcome(health, account)).raised == 0

    # From here one login a day, each posted as it happens. The last 7 whole days hold
    # 6, 5, 4, 3 normal days on days 1-4: 86 %, 73 %, 60 % (fires), 47 % of normal.
    for day in range(1, 5):
        health.clock.advance(timedelta(days=1))
        await deliver(health, kafka_bootstrap, [[usage(account, health.clock.now(), 1.0)]])
        assert (await outcome(health, account)).open is (day >= 3), f"day {day}"
        if day == 3:
            raised_at = (await outcome(health, account)).times[0][1]
            assert raised_at == health.clock.now()  # live: at once, at the recompute
    assert (await outcome(health, account)).counts() == (True, 1, 0)


async def test_an_account_that_goes_silent_is_caught_by_the_daily_recompute(
    health, kafka_bootstrap
):
    """No event at all: nothing is late, so the scheduled recompute judges the empty days."""
    account = new_account("silent")
    await deliver(health, kafka_bootstrap, [history(account, health.clock.now(), STEADY)])
    await settle(health)
    assert (await outcome(health, account)).raised == 0

    health.clock.advance(timedelta(days=3))
    assert RECOMPUTE_JOB in await health.runtime.scheduler.run_due()
    assert (await outcome(health, account)).counts() == (True, 1, 0)


_daily = st.lists(st.sampled_from([0.0, 1.0, 3.0, 10.0, 20.0]), min_size=35, max_size=35)


@hsettings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    daily=_daily,
    order=st.sampled_from(["oldest first", "newest first", "shuffled"]),
    shuffle=st.randoms(use_true_random=False),
    cuts=st.lists(st.integers(1, 34), max_size=6, unique=True),
)
async def test_any_split_gives_the_same_alerts_as_one_batch(
    health, kafka_bootstrap, daily, order, shuffle, cuts
):
    now = health.clock.now()
    whole, split = new_account("whole"), new_account("split")
    events = history(split, now, daily)
    if not events:
        return
    events.sort(key=lambda e: e.occurred_at, reverse=order == "newest first")
    if order == "shuffled":
        shuffle.shuffle(events)
    edges = [0, *sorted(c for c in cuts if c < len(events)), len(events)]
    parts = [events[a:b] for a, b in itertools.pairwise(edges) if b > a]

    await deliver(health, kafka_bootstrap, [history(whole, now, daily)])
    await deliver(health, kafka_bootstrap, parts)
    await settle(health)
    expected = await outcome(health, whole)
    # Drops within the history are raised and resolved at the closes they held over.
    assert expected.raised == expected.resolved + int(expected.open)
    assert all(at < now for _, at in expected.times)
    assert await outcome(health, split) == expected
    assert await points(health, split) == await points(health, whole)
