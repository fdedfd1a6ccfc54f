"""An account's renewal opportunity edits, newest first: the renewals side of the
account's timeline (health logs the rest of its CRM and support events)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Path, Query
from fastapi.responses import JSONResponse

from radar_renewals.api.deps import plain_json
from radar_renewals.api.models import amount
from radar_renewals.store.opportunities import account_known, opportunity_edits_of
from radar_runtime import SessionDep
from radar_runtime.errors import ErrorBody
from radar_runtime.paging import Cursor, cursor_of, read_cursor
from radar_schemas.common import PLAIN_PATTERN

router = APIRouter(prefix="/v1", tags=["renewals"])

AccountId = Annotated[str, Path(min_length=1, max_length=128, pattern=PLAIN_PATTERN)]
RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "The account is not known"},
}


@router.get(
    "/accounts/{account_id}/opportunities", response_class=JSONResponse, responses=RESPONSES
)
async def list_opportunity_edits(
    account_id: AccountId,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Cursor = None,
) -> JSONResponse:
    """Every edit of the account's renewal opportunities by event time, newest first, with
    the amount in its subscription's currency; keyset-paginated by `cursor` (each item's
    `cursor` continues after it, for merging with other lists)."""
    if not await account_known(session, account_id):
        raise HTTPException(404, detail=f"account {account_id!r} is not known to renewals")
    before = read_cursor(cursor, datetime, UUID) if cursor is not None else None
    rows = list(await opportunity_edits_of(session, account_id, before, limit + 1))
    more = len(rows) > limit
    rows = rows[:limit]
    return plain_json(
        {
            "account_id": account_id,
            "items": [
                {
                    "event_id": str(row.version_id),
                    "occurred_at": row.version_at.isoformat(),
                    "opportunity_id": row.opportunity_id,
                    "subscription_id": row.subscription_id,
                    "stage": row.stage,
                    "forecast_category": row.forecast_category,
                    "close_date": row.close_date.isoformat(),
                    "amount": amount(row.amount),
                    "currency": row.currency,
                    "cursor": cursor_of(row.version_at, row.version_id),
                }
                for row in rows
            ],
            "next_cursor": cursor_of(rows[-1].version_at, rows[-1].version_id) if more else None,
        }
    )
