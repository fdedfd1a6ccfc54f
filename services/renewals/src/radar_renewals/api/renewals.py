"""The renewal pipeline: terms by renewal date, and one subscription in detail."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import JSONResponse

from radar_renewals.api.deps import Renewals, plain_json
from radar_renewals.api.live import drivers_of, evaluate_now
from radar_renewals.api.models import alert_view, change_view, term_view
from radar_renewals.domain.terms import State
from radar_renewals.store.alerts import alerts_of
from radar_renewals.store.changes import changes_of
from radar_renewals.store.terms import TermFilter, page_of_terms, terms_of
from radar_runtime import SessionDep
from radar_schemas.common import Region, RiskBand, Segment

router = APIRouter(prefix="/v1", tags=["renewals"])

HISTORY_LIMIT = 200


@router.get("/renewals", response_class=JSONResponse)
async def list_renewals(
    session: SessionDep,
    renewals: Renewals,
    due_from: Annotated[date | None, Query(description="Renewal date on or after.")] = None,
    due_to: Annotated[date | None, Query(description="Renewal date on or before.")] = None,
    state: Annotated[list[State] | None, Query(description="Repeat for several.")] = None,
    segment: Segment | None = None,
    region: Region | None = None,
    owner: Annotated[str | None, Query(description="The owner's email.")] = None,
    risk_band: RiskBand | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> JSONResponse:
    """Subscription terms sorted by renewal date, filtered, a page at a time."""
    today = renewals.today()
    shown = TermFilter(due_from, due_to, state or (), segment, region, risk_band, owner)
    total, rows = await page_of_terms(session, shown, limit=limit, offset=offset)
    items = [term_view(row, today) for row in rows]
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


@router.get("/renewals/{subscription_id}", response_class=JSONResponse)
async def get_renewal(
    subscription_id: str, session: SessionDep, renewals: Renewals
) -> JSONResponse:
    """One subscription: its current term with risk drivers, every term, state history, alerts."""
    today = renewals.today()
    rows = await terms_of(session, subscription_id)
    if not rows:
        raise HTTPException(404, detail=f"no renewal known for subscription {subscription_id!r}")
    current = next((row for row in rows if row.is_current), rows[-1])
    history = await changes_of(session, subscription_id, HISTORY_LIMIT)
    live = await evaluate_now(session, renewals.evaluator, [subscription_id], today)
    alerts = await alerts_of(session, subscription_id)
    return plain_json(
        {
            "subscription_id": subscription_id,
            "current": {
                **term_view(current, today),
                "drivers": drivers_of(live.get((subscription_id, current.start_date))),
            },
            "terms": [term_view(row, today) for row in rows],
            "history": [change_view(change) for change in history],
            "active_alerts": [alert_view(alert) for alert in alerts],
        }
    )
