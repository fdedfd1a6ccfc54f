"""The store against a real database: its hand-written statements run here, and the SQL
of what is shown agrees with the domain's rule for overrides."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text

from radar_health.domain.bands import BandThresholds
from radar_health.domain.overrides import Override, effective_health, override_band
from radar_health.domain.scoring import HealthScore
from radar_health.migrations import MIGRATIONS
from radar_health.store import accounts, usage
from radar_health.store.overrides import (
    ACCOUNTS_WITH_HEALTH,
    set_override,
    shown_band,
    shown_score,
    shown_source,
)
from radar_health.store.tables import (
    account_health,
    account_users,
    history_queue,
    usage_daily,
    usage_users_daily,
)
from radar_health.store.tables import accounts as accounts_table
from radar_runtime import Database
from radar_runtime.migrations import migrate
from radar_schemas.common import Band
from radar_schemas.usage import UsageRecorded, UsageRecordedEvent

pytestmark = [pytest.mark.integration, pytest.mark.timeout(120)]

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
BANDS = BandThresholds(green=70, yellow=40)


@pytest.fixture
async def db(database_url: str, unique: Callable[[str], str]) -> AsyncIterator[Database]:
    db = Database(database_url, unique("health_store"), pool_size=2)
    await migrate(db, MIGRATIONS)
    try:
        yield db
    finally:
        await db.dispose()


async def fetch(db: Database, statement: Any) -> list[Any]:
    async with db.sessions() as session:
        return list((await session.execute(statement)).all())


async def test_touch_accounts_widens_what_changed_and_leaves_other_rows_unwritten(db):
    async with db.sessions() as session, session.begin():
        await accounts.touch_accounts(
            session,
            ["a-1", "a-1", "a-2"],
            [NOW, NOW - timedelta(days=1), NOW],
            [False, True, False],
            NOW,
        )
    row_version = select(text("xmin::text"), text("xmax::text")).select_from(accounts_table)
    a = accounts_table.c
    rows = await fetch(
        db, select(a.account_id, a.first_seen_at, a.tickets_seen).order_by(a.account_id)
    )
    assert [tuple(r) for r in rows] == [
        ("a-1", NOW - timedelta(days=1), True),
        ("a-2", NOW, False),
    ]
    before = await fetch(db, row_version.where(a.account_id == "a-1"))

    async with db.sessions() as session, session.begin():  # nothing widens: not written
        await accounts.touch_accounts(session, ["a-1"], [NOW + timedelta(days=1)], [False], NOW)
    assert await fetch(db, row_version.where(a.account_id == "a-1")) == before

    async with db.sessions() as session, session.begin():
        await accounts.touch_accounts(session, ["a-2"], [NOW - timedelta(days=9)], [True], NOW)
    [(first_seen, tickets, late_at)] = await fetch(
        db, select(a.first_seen_at, a.tickets_seen, a.late_at).where(a.account_id == "a-2")
    )
    # An event for a day before today is late: the account's history is arriving.
    assert (first_seen, tickets, late_at) == (NOW - timedelta(days=9), True, NOW)


def used(account: str, when: datetime, quantity: float, user: str | None = None) -> Any:
    return UsageRecordedEvent(
        account_id=account,
        occurred_at=when,
        payload=UsageRecorded(metric="logins", quantity=quantity, user_id=user),
    )


async def apply_usage(db: Database, events: list[Any], now: datetime) -> None:
    async with db.sessions() as session, session.begin():
        await usage.apply_usage(session, events, now=now)


async def test_apply_usage_sums_exactly_tracks_users_and_marks_late_usage(db):
    """Also: the users seen each day, and the accounts whose past days changed, queued
    from the earliest of them for the event-time history."""
    today, yesterday, late = NOW, NOW - timedelta(days=1), NOW - timedelta(days=5)
    await apply_usage(
        db,
        [
            used("live", today, 0.1, "u-1"),
            used("live", today, 0.2, "u-1"),
            used("live", yesterday, 1.0, "u-2"),
            used("backfill", late, 2.0),
        ],
        NOW,
    )
    await apply_usage(db, [used("live", today, 0.3, "u-2")], NOW)
    u = usage_daily.c
    totals = await fetch(db, select(u.account_id, u.day, u.total).order_by(u.account_id, u.day))
    assert [(r[0], r[1], float(r[2])) for r in totals] == [
        ("backfill", late.date(), 2.0),
        ("live", yesterday.date(), 1.0),
        ("live", today.date(), 0.6),  # numeric: 0.1 + 0.2 + 0.3, exactly
    ]
    assert str(totals[-1][2]) == "0.6"
    users = await fetch(db, select(account_users).order_by(account_users.c.user_id))
    assert [(r.user_id, r.last_seen) for r in users] == [
        ("u-1", today.date()),
        ("u-2", today.date()),
    ]
    d = usage_users_daily.c
    daily = await fetch(db, select(d.account_id, d.day, d.users).order_by(d.account_id, d.day))
    assert [tuple(r) for r in daily] == [
        ("live", yesterday.date(), ["u-2"]),
        ("live", today.date(), ["u-1", "u-2"]),
    ]
    queued = await fetch(db, select(history_queue).order_by(history_queue.c.account_id))
    assert [tuple(r) for r in queued] == [
        ("backfill", late.date()),
        ("live", yesterday.date()),  # yesterday's close may be in the history already
    ]
    a = accounts_table.c
    marks = select(a.account_id, a.first_seen_at, a.late_at).order_by(a.account_id)
    assert [tuple(r) for r in await fetch(db, marks)] == [
        ("backfill", late, NOW),
        ("live", yesterday, NOW),  # yesterday's close has passed: late too
    ]
    # More late usage moves the mark at most every MARK_EVERY.
    await apply_usage(db, [used("backfill", late, 1.0)], NOW + accounts.MARK_EVERY / 2)
    assert (await fetch(db, marks))[0].late_at == NOW
    later = NOW + accounts.MARK_EVERY * 2
    await apply_usage(db, [used("backfill", late - timedelta(days=2), 1.0)], later)
    assert (await fetch(db, marks))[0].late_at == later
    from_day = select(history_queue.c.from_day).where(history_queue.c.account_id == "backfill")
    assert (await fetch(db, from_day))[0][0] == (late.date() - timedelta(days=2))


COMPUTED = [(55.0, Band.YELLOW), (None, None)]
OVERRIDES: list[dict[str, Any] | None] = [
    None,
    {"score": 80.0},
    {"band": Band.RED},
    {"score": 20.0, "band": Band.GREEN},
    {"score": 90.0, "expires_at": NOW},  # expired at this very instant
    {"band": Band.GREEN, "expires_at": NOW - timedelta(days=1)},
]


async def test_the_shown_health_in_sql_is_the_domain_rule(db):
    cases = []
    async with db.sessions() as session, session.begin():
        for i, (score, band) in enumerate(COMPUTED):
            for j, fields in enumerate(OVERRIDES):
                account_id = f"acct-{i}-{j}"
                await accounts.touch_accounts(session, [account_id], [NOW], [False], NOW)
                await session.execute(
                    account_health.insert().values(account_id=account_id, score=score, band=band)
                )
                override = None
                if fields is not None:
                    values = {"reason": "call", "author": "dana"}
                    values["expires_at"] = NOW + timedelta(hours=1)
                    override = Override(**(values | fields))
                    band_set = override_band(override, BANDS)
                    await set_override(session, account_id, override, band_set, NOW)
                cases.append((account_id, score, band, override))
    statement = select(
        accounts_table.c.account_id,
        shown_score(NOW).label("score"),
        shown_band(NOW).label("band"),
        shown_source(NOW).label("source"),
    ).select_from(ACCOUNTS_WITH_HEALTH)
    shown = {row.account_id: row for row in await fetch(db, statement)}
    for account_id, score, band, override in cases:
        computed = HealthScore(account_id, NOW, score, band, (), (), "default", BANDS)
        expected = effective_health(computed, override, NOW)
        row = shown[account_id]
        assert (row.score, row.band, row.source) == (
            expected.score,
            expected.band,
            expected.source.value,
        ), account_id
