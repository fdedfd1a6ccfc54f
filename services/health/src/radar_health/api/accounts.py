"""The account list: filters, a choice of sort, keyset pagination with an opaque cursor.

The cursor holds the last item's sort value and account id; the next page starts
strictly after it, so pages never repeat or skip an account while scores change
between requests (an account whose score moved may appear on a later page instead).
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from radar_runtime import SessionDep
from radar_runtime.errors import ApiError, ErrorBody
from radar_schemas.common import PLAIN_PATTERN, Band, Region, Segment

from ..store.views import SortKey, SortKind, list_accounts, sort_of
from .deps import Health
from .models import AccountListItem, AccountListOut, person

router = APIRouter(prefix="/v1", tags=["health"])


class BadCursor(ValueError):
    pass


def _encode_cursor(value: Any, account_id: str) -> str:
    shown = value.isoformat() if isinstance(value, datetime) else value
    raw = json.dumps([shown, account_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, kind: SortKind) -> tuple[Any, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, account_id = json.loads(base64.urlsafe_b64decode(padded))
        if kind == "time":
            value = datetime.fromisoformat(value)
        elif kind == "float":
            value = float(value)
        elif not isinstance(value, str):
            raise TypeError("not text")
        if not isinstance(account_id, str):
            raise TypeError("not an account id")
        return value, account_id
    except (ValueError, TypeError) as error:
        raise BadCursor("cursor is not one this API returned") from error


@router.get("/accounts", response_model=AccountListOut, responses={400: {"model": ErrorBody}})
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
    cursor: Annotated[str | None, Query(max_length=2000, pattern=PLAIN_PATTERN)] = None,
) -> Any:
    """Accounts with their shown score, filtered and sorted; keyset-paginated by `cursor`."""
    now = health.runtime.clock.now()
    try:
        after = _decode_cursor(cursor, sort_of(sort, now).kind) if cursor is not None else None
    except BadCursor as error:
        raise ApiError(
            400,
            "bad_request",
            str(error),
            details=[{"field": "query.cursor", "reason": str(error)}],
        ) from None
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
        next_cursor = _encode_cursor(rows[-1].sort_value, rows[-1].account_id)
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
