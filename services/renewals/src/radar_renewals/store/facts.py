"""The facts as they arrived: written a batch at a time, one statement per table, and
read for many subscriptions at once, one query per table, never one per id.

Newest wins: a batch brings one row per key (`radar_runtime.versions.newest_by`) and the
upsert keeps the stored row where it is newer. Histories (opportunity edits, contact
changes) keep every edit: an edit seen before is left as it is.
"""

from collections.abc import AsyncIterator, Collection, Sequence
from dataclasses import fields
from datetime import date
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncSession

from radar_renewals.domain.facts import (
    AccountFact,
    AccountFacts,
    BookingFact,
    CancellationFact,
    ContactFact,
    Facts,
    HealthFact,
    OpportunityFact,
    SubscriptionFact,
    SubscriptionFacts,
)
from radar_renewals.store.tables import (
    accounts,
    bookings,
    cancellations,
    contact_changes,
    health_scores,
    opportunity_edits,
    subscription_facts,
)
from radar_renewals.store.terms import closed_subscriptions
from radar_runtime.sql import fetch_rows, write_rows
from radar_runtime.versions import newer
from radar_schemas.envelope import Envelope

F = TypeVar("F")


def version_columns(event: Envelope) -> dict[str, Any]:
    """A row's version: its event's (`radar_runtime.versions`)."""
    return {"version_at": event.occurred_at, "version_id": event.event_id}


async def write_newest(session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Upsert rows (one per key), each where it is newer than the row stored."""
    await write_rows(
        session, table, rows, conflict_keys=_key_of(table), only_if=newer("excluded", table.name)
    )


# A day's score is the one computed last (`as_of`), then the newest event's: as
# `domain.facts.latest_health` picks.
_NEWER_SCORE = (
    "(health_scores.as_of, health_scores.version_at, health_scores.version_id)"
    " < (excluded.as_of, excluded.version_at, excluded.version_id)"
)


async def write_health_scores(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Upsert one score per account and day, where it is newer than the one stored."""
    await write_rows(
        session, health_scores, rows, conflict_keys=_key_of(health_scores), only_if=_NEWER_SCORE
    )


async def write_history(
    session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]
) -> None:
    """Add rows to a history; a row seen before (same key and version) is kept as it is."""
    await write_rows(session, table, rows, conflict_keys=())


def _key_of(table: Table) -> tuple[str, ...]:
    return tuple(column.name for column in table.primary_key.columns)


# Subscriptions whose histories a backtest holds in memory at once.
HISTORY_CHUNK = 1000


async def closed_histories(
    session: AsyncSession, due_from: date, due_to: date, *, also: Collection[str] = ()
) -> AsyncIterator[Facts]:
    """The whole histories of the subscriptions with a closed term due in the range (and
    of those `also` names), a chunk of subscriptions at a time."""
    closed = await closed_subscriptions(session, due_from, due_to)
    ids = sorted({*closed, *also})
    for first in range(0, len(ids), HISTORY_CHUNK):
        yield await load_facts(session, ids[first : first + HISTORY_CHUNK], history=True)


async def load_facts(
    session: AsyncSession, subscription_ids: Collection[str], *, history: bool = False
) -> Facts:
    """The facts of these subscriptions and of their accounts.

    Histories (health, opportunity edits, contact changes) are loaded whole with
    `history` (the backtest looks back in time); otherwise only the newest entry of each
    (per account, opportunity, contact), all that "now" depends on.
    """
    loaded = Facts()
    if not subscription_ids:
        return loaded
    ids = subscription_ids
    terms = await _facts(session, SubscriptionFact, subscription_facts, "subscription_id", ids)
    booked = await _facts(session, BookingFact, bookings, "subscription_id", ids)
    cancelled = await _facts(session, CancellationFact, cancellations, "subscription_id", ids)
    newest_edit = None if history else ("opportunity_id",)
    edits = await _facts(
        session, OpportunityFact, opportunity_edits, "subscription_id", ids, newest_edit
    )
    for subscription_id in subscription_ids:
        loaded.subscriptions[subscription_id] = SubscriptionFacts(
            subscription_id,
            tuple(terms.get(subscription_id, ())),
            tuple(booked.get(subscription_id, ())),
            next(iter(cancelled.get(subscription_id, ())), None),
            tuple(edits.get(subscription_id, ())),
        )
    account_ids = {fact.account_id for facts in terms.values() for fact in facts}
    await _load_accounts(session, account_ids, loaded, history=history)
    return loaded


async def _load_accounts(
    session: AsyncSession, account_ids: set[str], loaded: Facts, *, history: bool
) -> None:
    if not account_ids:
        return
    found = await _facts(session, AccountFact, accounts, "account_id", account_ids)
    latest_day = None if history else ("account_id",)
    health = await _facts(
        session,
        HealthFact,
        health_scores,
        "account_id",
        account_ids,
        latest_day,
        newest_by=("as_of", "version_at", "version_id"),  # as `facts.latest_health` picks
    )
    newest_contact = None if history else ("account_id", "contact_id")
    contacts = await _facts(
        session, ContactFact, contact_changes, "account_id", account_ids, newest_contact
    )
    for account_id in account_ids:
        loaded.accounts[account_id] = AccountFacts(
            account_id,
            next(iter(found.get(account_id, ())), None),
            tuple(health.get(account_id, ())),
            tuple(contacts.get(account_id, ())),
        )


async def _facts(
    session: AsyncSession,
    fact: type[F],
    table: Table,
    key: str,
    values: Collection[str],
    newest_per: tuple[str, ...] | None = None,
    newest_by: tuple[str, ...] = ("version_at", "version_id"),
) -> dict[str, list[F]]:
    """Facts of rows whose `key` column is among `values`, grouped by that column.

    The fact dataclass's fields name the columns, so each row builds its fact in one
    positional call. With `newest_per`, only the newest row (greatest `newest_by`) of
    each group of those columns is kept.
    """
    names = tuple(field.name for field in fields(fact))  # type: ignore[arg-type]
    sql = _facts_sql(table, names, key, newest_per, newest_by)
    position = names.index(key)
    grouped: dict[str, list[F]] = {}
    for row in await fetch_rows(session, sql, list(values)):
        grouped.setdefault(row[position], []).append(fact(*row))
    return grouped


@cache
def _facts_sql(
    table: Table,
    names: tuple[str, ...],
    key: str,
    newest_per: tuple[str, ...] | None,
    newest_by: tuple[str, ...],
) -> str:
    """The query `_facts` runs, read through the driver (`fetch_rows`): a refresh loads
    the facts of thousands of subscriptions at once. Names come from the tables and fact
    classes, never from data."""
    unknown = {*names, key, *(newest_per or ()), *newest_by} - set(table.columns.keys())
    if unknown:
        raise ValueError(f"{table.name} has no column(s) {sorted(unknown)}")
    columns = ", ".join(names)
    where = f"WHERE {key} = ANY($1::text[])"
    if newest_per is None:
        return f"SELECT {columns} FROM {table.name} {where}"
    groups = ", ".join(newest_per)
    order = ", ".join([*newest_per, *(f"{name} DESC" for name in newest_by)])
    return f"SELECT DISTINCT ON ({groups}) {columns} FROM {table.name} {where} ORDER BY {order}"
