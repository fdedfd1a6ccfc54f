"""The renewal pipeline: terms by renewal date, and one subscription in detail."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import JSONResponse
from sqlalchemy import func, select

from radar_renewals.api.deps import Renewals, plain_json
from radar_renewals.api.live import drivers_of, evaluate_now
from radar_renewals.api.models import term_view
from radar_renewals.store.tables import active_alerts, state_changes, terms
from radar_runtime import SessionDep

router = APIRouter(prefix="/v1", tags=["renewals"])

StateName = Literal[
    "upcoming",
    "in_window",
    "overdue",
    "renewed_early",
    "renewed_on_time",
    "renewed_late",
    "churned",
]
HISTORY_LIMIT = 200


@router.get("/renewals", response_class=JSONResponse)
async def list_renewals(
    session: SessionDep,
    renewals: Renewals,
    due_from: Annotated[date | None, Query(description="Renewal date on or after.")] = None,
    due_to: Annotated[date | None, Query(description="Renewal date on or before.")] = None,
    state: Annotated[list[StateName] | None, Query(description="Repeat for several.")] = None,
    segment: Literal["smb", "mid_market", "enterprise"] | None = None,
    region: Literal["amer", "emea", "apac"] | None = None,
    owner: Annotated[str | None, Query(description="The owner's email.")] = None,
    risk_band: Literal["low", "medium", "high"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> JSONResponse:
    """Subscription terms sorted by renewal date, filtered, a page at a time."""
    today = renewals.today()
    conditions = []
    if due_from is not None:
        conditions.append(terms.c.end_date >= due_from)
    if due_to is not None:
        conditions.append(terms.c.end_date <= due_to)
    if state:
        conditions.append(terms.c.state.in_(state))
    for column, value in (("segment", segment), ("region", region), ("risk_band", risk_band)):
        if value is not None:
            conditions.append(terms.c[column] == value)
    if owner is not None:
        conditions.append(func.lower(terms.c.owner) == owner.strip().lower())
    total = await session.scalar(select(func.count()).select_from(terms).where(*conditions))
    rows = await session.execute(
        select(terms)
        .where(*conditions)
        .order_by(terms.c.end_date, terms.c.subscription_id, terms.c.start_date)
        .limit(limit)
        .offset(offset)
    )
    items = [term_view(row, today) for row in rows]
    following = offset + len(items)
    return plain_json(
        {
            "items": items,
            "total": total,
            "limit": limit,
            "offset": offset,
            "next_offset": following if following < (total or 0) else None,
        }
    )


@router.get("/renewals/{subscription_id}", response_class=JSONResponse)
async def get_renewal(
    subscription_id: str, session: SessionDep, renewals: Renewals
) -> JSONResponse:
    """One subscription: its current term with risk drivers, every term, state history, alerts."""
    today = renewals.today()
    rows = (
        await session.execute(
            select(terms)
            .where(terms.c.subscription_id == subscription_id)
            .order_by(terms.c.start_date)
        )
    ).all()
    if not rows:
        raise HTTPException(404, detail=f"no renewal known for subscription {subscription_id!r}")
    current = next((row for row in rows if row.is_current), rows[-1])
    history = await session.execute(
        select(state_changes)
        .where(state_changes.c.subscription_id == subscription_id)
        .order_by(state_changes.c.id.desc())
        .limit(HISTORY_LIMIT)
    )
    live = await evaluate_now(session, renewals.evaluator, [subscription_id], today)
    alerts = await session.execute(
        select(active_alerts)
        .where(active_alerts.c.subscription_id == subscription_id)
        .order_by(active_alerts.c.raised_at)
    )
    return plain_json(
        {
            "subscription_id": subscription_id,
            "current": {
                **term_view(current, today),
                "drivers": drivers_of(live.get((subscription_id, current.start_date))),
            },
            "terms": [term_view(row, today) for row in rows],
            "history": [
                {
                    "at": change.at.isoformat(),
                    "term_start": change.term_start.isoformat(),
                    "state": change.state,
                    "previous_state": change.previous_state,
                    "risk_score": change.risk_score,
                    "risk_band": change.risk_band,
                    "previous_risk_band": change.previous_risk_band,
                    "p_renew": change.p_renew,
                }
                for change in reversed(list(history))
            ],
            "active_alerts": [
                {
                    "rule": alert.rule,
                    "severity": alert.severity,
                    "dedup_key": alert.dedup_key,
                    "raised_at": alert.raised_at.isoformat(),
                    "title": alert.alert.get("title"),
                }
                for alert in alerts
            ],
        }
    )
