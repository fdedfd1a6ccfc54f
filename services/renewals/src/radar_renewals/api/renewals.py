"""The renewal pipeline: terms by renewal date, and one subscription in detail."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import StringConstraints
from sqlalchemy.ext.asyncio import AsyncSession

from radar_renewals.api.calls import call_view, may_call
from radar_renewals.api.deps import (
    NOT_FOUND,
    Before,
    Day,
    PageLimit,
    Renewals,
    newest_first_page,
    plain_json,
    unknown_subscription,
)
from radar_renewals.api.live import drivers_of, evaluate_now
from radar_renewals.api.models import alert_view, change_view, term_view
from radar_renewals.domain.terms import State
from radar_renewals.store.alerts import alerts_of
from radar_renewals.store.calls import current_calls_of, people_of
from radar_renewals.store.changes import changes_of
from radar_renewals.store.terms import TermFilter, page_of_terms, terms_of
from radar_runtime import SessionDep
from radar_runtime.auth.http import Caller
from radar_schemas.common import PLAIN_PATTERN, Region, RiskBand, Segment

router = APIRouter(prefix="/v1", tags=["renewals"])

HISTORY_LIMIT = 50
MAX_OFFSET = 2**31 - 1  # PostgreSQL's OFFSET is a bigint; no list is near this long


@router.get("/renewals", response_class=JSONResponse)
async def list_renewals(
    session: SessionDep,
    renewals: Renewals,
    who: Caller,
    due_from: Annotated[Day | None, Query(description="Renewal date on or after.")] = None,
    due_to: Annotated[Day | None, Query(description="Renewal date on or before.")] = None,
    state: Annotated[list[State] | None, Query(description="Repeat for several.")] = None,
    segment: Segment | None = None,
    region: Region | None = None,
    owner: Annotated[str | None, Query(description="The owner's email.")] = None,
    risk_band: RiskBand | None = None,
    account: Annotated[
        list[Annotated[str, StringConstraints(max_length=128, pattern=PLAIN_PATTERN)]] | None,
        Query(max_length=500, description="An account_id; repeat for several."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> JSONResponse:
    """Subscription terms sorted by renewal date, filtered, a page at a time; each says
    whether the caller may set its manager call (`may_call`)."""
    today = renewals.today()
    shown = TermFilter(
        due_from, due_to, state or (), segment, region, risk_band, owner, account or ()
    )
    total, rows = await page_of_terms(session, shown, limit=limit, offset=offset)
    calls = await current_calls_of(session, [(row.subscription_id, row.end_date) for row in rows])
    people = await people_of(session, {row.account_id for row in rows})
    items = [
        {
            **term_view(row, today),
            "manager_call": _call(calls, row),
            "may_call": may_call(
                renewals.access.rules, who, people.get(row.account_id), row.is_open
            ),
        }
        for row in rows
    ]
    following = offset + len(items)
    return plain_json(
        {
            "items": items,
            "total": total,
            "limit": limit,
            "offset": offset,
            "next_offset": following if following < total else None,
        }
    )


@router.get("/renewals/{subscription_id}", response_class=JSONResponse, responses=NOT_FOUND)
async def get_renewal(
    subscription_id: str, session: SessionDep, renewals: Renewals
) -> JSONResponse:
    """One subscription: its current term with risk drivers, every term, state history, alerts."""
    today = renewals.today()
    rows = await terms_of(session, subscription_id)
    if not rows:
        raise unknown_subscription(subscription_id)
    current = next((row for row in rows if row.is_current), rows[-1])
    history, more = await _history_page(session, subscription_id, HISTORY_LIMIT, None)
    live = await evaluate_now(session, renewals.evaluator, [subscription_id], today)
    alerts = await alerts_of(session, subscription_id)
    calls = await current_calls_of(session, [(row.subscription_id, row.end_date) for row in rows])
    return plain_json(
        {
            "subscription_id": subscription_id,
            "current": {
                **term_view(current, today),
                "drivers": drivers_of(live.get((subscription_id, current.start_date))),
                "manager_call": _call(calls, current),
            },
            "terms": [{**term_view(row, today), "manager_call": _call(calls, row)} for row in rows],
            # The latest changes, oldest first; older ones from .../history?before=.
            "history": [change_view(change) for change in reversed(history)],
            "history_next_before": more,
            "active_alerts": [alert_view(alert) for alert in alerts],
        }
    )


@router.get("/renewals/{subscription_id}/history", response_class=JSONResponse, responses=NOT_FOUND)
async def get_history(
    subscription_id: str, session: SessionDep, before: Before = None, limit: PageLimit = 100
) -> JSONResponse:
    """A subscription's state and risk-band changes, newest first, a page at a time."""
    if not await terms_of(session, subscription_id):
        raise unknown_subscription(subscription_id)
    changes, more = await _history_page(session, subscription_id, limit, before)
    return plain_json({"items": [change_view(change) for change in changes], "next_before": more})


async def _history_page(
    session: AsyncSession, subscription_id: str, limit: int, before: int | None
) -> tuple[list[Any], int | None]:
    rows = await changes_of(session, subscription_id, limit + 1, before=before)
    return newest_first_page(rows, limit)


def _call(calls: dict[tuple[str, date], Any], row: Any) -> dict[str, Any] | None:
    """The renewal's current manager call, as `PUT .../call` answered it (None: no call)."""
    found = calls.get((row.subscription_id, row.end_date))
    return call_view(found) if found is not None else None
