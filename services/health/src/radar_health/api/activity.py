"""What an account's page reads besides its health: the timeline of its events, its
usage by day, who overrode its score, and the score trends of many accounts at once.
Any signed-in role may read them, like the account's health."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import StringConstraints

from radar_runtime import SessionDep
from radar_runtime.paging import Cursor, cursor_of, read_cursor
from radar_schemas.common import PLAIN_PATTERN

from ..domain.instants import utc_day
from ..store import account_views, views
from .deps import Health
from .health import NOT_FOUND, AccountId, unknown
from .models import (
    AccountTrendOut,
    Contact,
    OverrideChangeOut,
    OverrideHistoryOut,
    TimelineEventOut,
    TimelineOut,
    TrendPointOut,
    TrendsOut,
    UsageOut,
)

router = APIRouter(prefix="/v1", tags=["health"])


@router.get(
    "/accounts/{account_id}/events",
    response_model=TimelineOut,
    responses=NOT_FOUND,
)
async def get_events(
    account_id: AccountId,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Cursor = None,
) -> Any:
    """The account's CRM and support events by event time, newest first: tickets, NPS and
    CSAT, engagements, contact changes, profile and subscription changes. People are
    named by name where a contact event named them. Keyset-paginated by `cursor`."""
    if not await views.account_known(session, account_id):
        raise unknown(account_id)
    before = read_cursor(cursor, datetime, UUID) if cursor is not None else None
    rows = await account_views.timeline(session, account_id, before, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return TimelineOut(
        account_id=account_id,
        events=[
            TimelineEventOut(
                event_id=str(row.event_id),
                type=row.type,
                occurred_at=row.occurred_at,
                payload=row.payload,
                contact=(
                    Contact(
                        contact_id=str(row.payload["contact_id"]),
                        name=row.contact_name or row.payload.get("name"),
                        email=row.contact_email or row.payload.get("email"),
                    )
                    if row.payload.get("contact_id")
                    else None
                ),
                currency=row.payload.get("currency") or row.currency,
                cursor=cursor_of(row.occurred_at, row.event_id),
            )
            for row in rows
        ],
        next_cursor=cursor_of(rows[-1].occurred_at, rows[-1].event_id) if more else None,
    )


@router.get("/accounts/{account_id}/usage", response_model=UsageOut, responses=NOT_FOUND)
async def get_usage(
    account_id: AccountId,
    health: Health,
    session: SessionDep,
    days: Annotated[int, Query(ge=1, le=400)] = 90,
) -> Any:
    """Each usage metric's total per UTC day over the last `days` days (0 on days without
    usage), oldest first."""
    if not await views.account_known(session, account_id):
        raise unknown(account_id)
    today = utc_day(health.runtime.clock.now())
    window = [today - timedelta(days=back) for back in range(days - 1, -1, -1)]
    totals = await account_views.usage_by_day(session, account_id, window[0])
    return UsageOut(
        account_id=account_id,
        days=[day.isoformat() for day in window],
        metrics={
            metric: [by_day.get(day, 0.0) for day in window]
            for metric, by_day in sorted(totals.items())
        },
    )


@router.get(
    "/accounts/{account_id}/health/overrides",
    response_model=OverrideHistoryOut,
    responses=NOT_FOUND,
)
async def get_override_history(
    account_id: AccountId,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Cursor = None,
) -> Any:
    """Every override set or removed on the account, newest first, with who did it (by
    name), the score or band, reason and expiry; from the audit log."""
    if not await views.account_known(session, account_id):
        raise unknown(account_id)
    (before_id,) = read_cursor(cursor, int) if cursor is not None else (None,)
    rows = await account_views.override_history(session, account_id, before_id, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return OverrideHistoryOut(
        account_id=account_id,
        changes=[override_change(row) for row in rows],
        next_cursor=cursor_of(rows[-1]["id"]) if more else None,
    )


def override_change(row: dict[str, Any]) -> OverrideChangeOut:
    """An audit row as an override change: what was set, or what was removed."""
    removed = row["after"] is None
    override = (row["before"] if removed else row["after"]) or {}
    return OverrideChangeOut(
        id=row["id"],
        at=row["at"],
        action="removed" if removed else "set",
        by=row["actor_name"],
        by_email=row["actor_email"],
        score=override.get("score"),
        band=override.get("band"),
        reason=override.get("reason"),
        expires_at=override.get("expires_at"),
    )


@router.get("/trends", response_model=TrendsOut)
async def get_trends(
    health: Health,
    session: SessionDep,
    account: Annotated[
        list[
            Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=PLAIN_PATTERN)]
        ],
        Query(max_length=500, description="Repeat for each account (up to 500)"),
    ],
    days: Annotated[int, Query(ge=1, le=400)] = 30,
) -> Any:
    """The shown score at the last point of each day of the last `days` days, for many
    accounts in one call (a list page's sparklines). Unknown accounts have no points."""
    since = health.runtime.clock.now() - timedelta(days=days)
    ids = list(dict.fromkeys(account))
    trends = await account_views.last_scores_by_day(session, ids, since)
    return TrendsOut(
        days=days,
        accounts=[
            AccountTrendOut(
                account_id=i,
                points=[
                    TrendPointOut(day=day.isoformat(), score=score)
                    for day, score in trends.get(i, [])
                ],
            )
            for i in ids
        ],
    )
