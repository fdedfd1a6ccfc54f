"""The account list: filters, a choice of sort, keyset pagination with an opaque cursor.

The cursor holds the last item's sort value and account id; the next page starts
strictly after it, so pages never repeat or skip an account while scores change
between requests (an account whose score moved may appear on a later page instead).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from radar_runtime import SessionDep
from radar_runtime.paging import Cursor, cursor_of, read_cursor
from radar_schemas.common import PLAIN_PATTERN, Band, Region, Segment

from ..store.views import SortKey, list_accounts, sort_of
from .deps import Health
from .models import AccountListItem, AccountListOut, person

router = APIRouter(prefix="/v1", tags=["health"])


@router.get("/accounts", response_model=AccountListOut)
async def get_accounts(
    health: Health,
    session: SessionDep,
    band: Band | None = None,
    segment: Segment | None = None,
    owner: Annotated[
        str | None, Query(max_length=254, pattern=PLAIN_PATTERN, description="Owner's email")
    ] = None,
    region: Region | None = None,
    manager: Annotated[
        str | None, Query(max_length=254, pattern=PLAIN_PATTERN, description="Manager's email")
    ] = None,
    name: Annotated[
        str | None,
        Query(max_length=200, pattern=PLAIN_PATTERN, description="Part of the account's name"),
    ] = None,
    sort: SortKey = "name",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Cursor = None,
) -> Any:
    """Accounts with their shown score, filtered and sorted; keyset-paginated by `cursor`."""
    now = health.runtime.clock.now()
    after = read_cursor(cursor, sort_of(sort, now).kind, str) if cursor is not None else None
    rows = await list_accounts(
        session,
        now=now,
        band=band,
        segment=segment,
        owner=owner,
        region=region,
        manager=manager,
        name=name,
        sort=sort,
        limit=limit + 1,
        after=after,
    )
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = cursor_of(rows[-1].sort_value, rows[-1].account_id)
    return AccountListOut(
        items=[
            AccountListItem(
                account_id=row.account_id,
                name=row.name,
                segment=row.segment,
                region=row.region,
                owner=person(row.owner),
                score=row.effective_score,
                band=row.effective_band,
                source=row.source,
                computed_score=row.score,
                computed_band=row.band,
                updated_at=row.as_of,
            )
            for row in rows
        ],
        next_cursor=next_cursor,
    )
