"""Subscriptions: seats from the newest upsert, the term (end date, ARR) from the newest
upsert or booking, and the newest cancellation. A subscription is active unless its
cancellation is newer than its term (a later upsert or booking re-activates it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from radar_runtime.versions import newer, newest_by
from radar_schemas.crm import (
    RenewalBookedEvent,
    SubscriptionCancelledEvent,
    SubscriptionUpsertedEvent,
)


def _take_if_newer(column: str, prefix: str) -> str:
    condition = newer("EXCLUDED", "s", prefix)
    return f"{column} = CASE WHEN {condition} THEN EXCLUDED.{column} ELSE s.{column} END"


_SEATS = ("seats", "seats_version_at", "seats_version_id")
_TERM = ("arr", "end_date", "term_version_at", "term_version_id")

# Every SET reads the stored row before this statement, so the version columns may be
# overwritten in the same SET as the values they guard.
_MERGE = text(
    f"""
    INSERT INTO subscriptions AS s (subscription_id, account_id, seats, seats_version_at,
        seats_version_id, arr, end_date, term_version_at, term_version_id, cancelled_at)
    SELECT * FROM unnest(CAST(:ids AS text[]), CAST(:accounts AS text[]),
        CAST(:seats AS int[]), CAST(:seats_ats AS timestamptz[]), CAST(:seats_ids AS uuid[]),
        CAST(:arrs AS float8[]), CAST(:end_dates AS date[]),
        CAST(:term_ats AS timestamptz[]), CAST(:term_ids AS uuid[]),
        CAST(:cancelled_ats AS timestamptz[]))
    ORDER BY 1
    ON CONFLICT (subscription_id) DO UPDATE SET
        {", ".join(_take_if_newer(c, "seats_") for c in _SEATS)},
        {", ".join(_take_if_newer(c, "term_") for c in _TERM)},
        cancelled_at = GREATEST(s.cancelled_at, EXCLUDED.cancelled_at)
    """
)


@dataclass
class _Merged:
    account_id: str
    seats: int | None = None
    seats_at: datetime | None = None
    seats_id: UUID | None = None
    arr: float | None = None
    end_date: date | None = None
    term_at: datetime | None = None
    term_id: UUID | None = None
    cancelled_at: datetime | None = None


async def apply_subscriptions(
    session: AsyncSession,
    upserts: Sequence[SubscriptionUpsertedEvent],
    bookings: Sequence[RenewalBookedEvent],
    cancellations: Sequence[SubscriptionCancelledEvent],
) -> None:
    if not (upserts or bookings or cancellations):
        return
    merged: dict[str, _Merged] = {}

    def entry(subscription_id: str, account_id: str) -> _Merged:
        return merged.setdefault(subscription_id, _Merged(account_id))

    for sub_id, upsert in newest_by(upserts, lambda e: e.payload.subscription_id).items():
        row = entry(sub_id, upsert.account_id)
        row.seats, row.seats_at, row.seats_id = (
            upsert.payload.seats,
            upsert.occurred_at,
            upsert.event_id,
        )
    terms: list[SubscriptionUpsertedEvent | RenewalBookedEvent] = [*upserts, *bookings]
    for sub_id, term in newest_by(terms, lambda e: e.payload.subscription_id).items():
        row = entry(sub_id, term.account_id)
        if isinstance(term, SubscriptionUpsertedEvent):
            row.arr, row.end_date = term.payload.arr, term.payload.end_date
        else:
            row.arr, row.end_date = term.payload.new_arr, term.payload.new_end_date
        row.term_at, row.term_id = term.occurred_at, term.event_id
    for sub_id, cancel in newest_by(cancellations, lambda e: e.payload.subscription_id).items():
        entry(sub_id, cancel.account_id).cancelled_at = cancel.occurred_at

    ids = sorted(merged)
    rows = [merged[i] for i in ids]
    await session.execute(
        _MERGE,
        {
            "ids": ids,
            "accounts": [r.account_id for r in rows],
            "seats": [r.seats for r in rows],
            "seats_ats": [r.seats_at for r in rows],
            "seats_ids": [r.seats_id for r in rows],
            "arrs": [r.arr for r in rows],
            "end_dates": [r.end_date for r in rows],
            "term_ats": [r.term_at for r in rows],
            "term_ids": [r.term_id for r in rows],
            "cancelled_ats": [r.cancelled_at for r in rows],
        },
    )
