"""Each hand-written statement of store/ run against the migrated schema: a renamed
column fails here, not in production."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from radar_renewals.domain.evaluation import Evaluator
from radar_renewals.domain.terms import Term
from radar_renewals.migrations import MIGRATIONS
from radar_renewals.rules import read_rules
from radar_renewals.store.accounts import lock_accounts
from radar_renewals.store.facts import (
    load_facts,
    write_health_scores,
    write_history,
    write_newest,
)
from radar_renewals.store.tables import account_locks, contact_changes, subscription_facts
from radar_renewals.store.term_rows import term_rows
from radar_renewals.store.terms import stored_terms, write_terms
from radar_runtime.db import Database
from radar_runtime.migrations import migrate
from radar_runtime.sql import plan_each_run

pytestmark = pytest.mark.integration

T0 = datetime(2026, 1, 5, 9, tzinfo=UTC)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url, f"s_{uuid.uuid4().hex[:12]}", pool_size=2)
    await migrate(db, MIGRATIONS)
    try:
        yield db
    finally:
        await db.dispose()


def version(at: datetime, n: int) -> dict[str, object]:
    return {"version_at": at, "version_id": uuid.UUID(int=n)}


def term_row(arr: str, at: datetime, n: int) -> dict[str, object]:
    return {
        "subscription_id": "sub-1",
        "start_date": date(2025, 6, 1),
        "account_id": "acct-1",
        "end_date": date(2026, 5, 31),
        "arr": Decimal(arr),
        "seats": 10,
        "plan": "pro",
        "currency": "EUR",
        "auto_renew": False,
        **version(at, n),
    }


def score_row(score: float, as_of: datetime, n: int, escalations: int | None) -> dict[str, object]:
    return {
        "account_id": "acct-1",
        "day": as_of.date(),
        "as_of": as_of,
        "score": score,
        "band": "yellow",
        "score_30d_ago": None,
        "utilisation": None,
        "open_escalations": escalations,
        **version(as_of, n),
    }


async def test_facts_keep_the_newest_version_and_load_newest_or_whole_histories(db) -> None:
    later = T0 + timedelta(hours=1)
    async with db.sessions() as session, session.begin():
        # As in a batch, the lock comes first: it also begins the transaction the
        # driver-level writes join.
        await lock_accounts(session, ["acct-1"])
        await write_newest(session, subscription_facts, [term_row("200", later, 2)])
        # An older version (even with a greater event id) does not replace it.
        await write_newest(session, subscription_facts, [term_row("100", T0, 9)])
        # Same time, greater event id: newer.
        await write_newest(session, subscription_facts, [term_row("300", later, 3)])
        await write_health_scores(session, [score_row(40, later, 1, 2)])
        await write_health_scores(session, [score_row(70, T0, 5, 0)])  # computed earlier
        contacts = [
            {
                "account_id": "acct-1",
                "contact_id": "c1",
                **version(at, n),
                "role": "champion",
                "change": change,
                "occurred_at": at,
            }
            for at, n, change in ((T0, 1, "joined"), (later, 2, "left"))
        ]
        await write_history(session, contact_changes, contacts)
        await write_history(session, contact_changes, contacts[:1])  # seen before: kept

    async with db.sessions() as session:
        now = await load_facts(session, ["sub-1"])
        whole = await load_facts(session, ["sub-1"], history=True)
    (term,) = now.subscriptions["sub-1"].terms
    assert (term.arr, term.version) == (Decimal("300"), (later, uuid.UUID(int=3)))
    account = now.accounts["acct-1"]
    assert [(h.score, h.open_escalations) for h in account.health] == [(40, 2)]
    assert [c.change for c in account.contacts] == ["left"]  # the newest per contact
    assert sorted(c.change for c in whole.accounts["acct-1"].contacts) == ["joined", "left"]


async def test_an_account_lock_holds_until_commit_whether_its_row_is_new_or_not(db) -> None:
    async with db.sessions() as session, session.begin():
        await lock_accounts(session, ["acct-2", "acct-1", "acct-2"])  # new rows, in order
        assert await session.scalar(select(func.count()).select_from(account_locks)) == 2
    for _ in range(2):  # the second time the rows exist: locked, not written again
        async with db.sessions() as holder, holder.begin():
            await lock_accounts(holder, ["acct-1"])
            async with db.sessions() as other, other.begin():
                await other.execute(text("SET LOCAL lock_timeout = '200ms'"))
                await lock_accounts(other, ["acct-3"])  # another account: no wait
                with pytest.raises(DBAPIError, match="lock timeout"):
                    await lock_accounts(other, ["acct-1"])


async def test_stored_terms_are_read_back_and_unchanged_ones_only_move_their_day(db) -> None:
    evaluator = Evaluator(read_rules())
    term = Term("sub-1", "acct-1", date(2025, 6, 1), date(2026, 5, 31), Decimal("1000"))
    first = term_rows(
        evaluator.evaluate(term, date(2026, 1, 5)),
        is_current=True,
        at_risk=False,
        model_category=None,
    )
    again = term_rows(
        evaluator.evaluate(term, date(2026, 1, 6)),
        is_current=True,
        at_risk=False,
        model_category=None,
    )
    assert again.content_hash == first.content_hash  # nothing but the day moved

    async with db.sessions() as session, session.begin():
        await plan_each_run(session)  # as a refresh starts (and begins the transaction)
        await write_terms(session, changed=[first], reevaluated=[], stale=[])
        await write_terms(session, changed=[], reevaluated=[again], stale=[])
        stored = await stored_terms(session, ["sub-1", "sub-none"])

    (only,) = stored["sub-1"].values()
    assert list(stored) == ["sub-1"]
    assert (only.state, only.content_hash) == (first.row["state"], first.content_hash)
    assert only.evaluated_on == date(2026, 1, 6)
