"""An account's health: the score shown with its components, trend, override and open
alerts; its history; and the CSM's override of it."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession

from radar_runtime import SessionDep

from ..domain.overrides import Override, override_band
from ..domain.trend import score_trend
from ..store import views
from ..store.accounts import account_segment
from ..store.overrides import override_of, remove_override, set_override
from .deps import Health
from .models import (
    AccountHealthOut,
    ComponentOut,
    ErrorOut,
    HistoryOut,
    HistoryPointOut,
    MissingOut,
    OpenAlertOut,
    OverrideIn,
    OverrideOut,
    TrendOut,
    person,
)

router = APIRouter(prefix="/v1", tags=["health"])

AccountId = Annotated[str, Path(min_length=1, max_length=128)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "The account is not known"}
}
TREND_DAYS = (7, 30)


def unknown(account_id: str) -> JSONResponse:
    return JSONResponse(
        {"error": f"account '{account_id}' is not known to the health service"}, status_code=404
    )


@router.get("/accounts/{account_id}/health", response_model=AccountHealthOut, responses=NOT_FOUND)
async def get_health(account_id: AccountId, health: Health, session: SessionDep) -> Any:
    """The account's score and band, components with explanations, trend and override."""
    view = await health_view(session, account_id, health.runtime.clock.now())
    return view if view is not None else unknown(account_id)


@router.get("/accounts/{account_id}/health/history", response_model=HistoryOut, responses=NOT_FOUND)
async def get_history(
    account_id: AccountId,
    health: Health,
    session: SessionDep,
    days: Annotated[int, Query(ge=1, le=400)] = 90,
) -> Any:
    """Score history of the last `days` days, oldest first (at least one point a day)."""
    if not await views.account_known(session, account_id):
        return unknown(account_id)
    since = health.runtime.clock.now() - timedelta(days=days)
    rows = await views.history_since(session, account_id, since)
    return HistoryOut(
        account_id=account_id,
        days=days,
        points=[HistoryPointOut.model_validate(row, from_attributes=True) for row in rows],
    )


@router.put(
    "/accounts/{account_id}/health/override",
    response_model=AccountHealthOut,
    responses={**NOT_FOUND, 422: {"model": ErrorOut}},
)
async def put_override(
    account_id: AccountId, body: OverrideIn, health: Health, session: SessionDep
) -> Any:
    """Set the CSM's override; it holds across recomputes until it expires or is removed."""
    async with health.runtime.unit_of_work() as uow:
        account = await account_segment(uow.session, account_id)
        if account is None:
            return unknown(account_id)
        if body.expires_at <= uow.now:
            return JSONResponse(
                {"error": f"expires_at must be in the future (now {uow.now.isoformat()})"},
                status_code=422,
            )
        override = Override(
            reason=body.reason,
            author=body.author,
            expires_at=body.expires_at,
            score=body.score,
            band=body.band,
        )
        bands = health.rules.scorecard.for_segment(account.segment).bands
        band = override_band(override, bands)
        await set_override(uow.session, account_id, override, band, uow.now)
        await health.recomputer.recompute(uow, [account_id])
    return await health_view(session, account_id, health.runtime.clock.now())


@router.delete("/accounts/{account_id}/health/override", status_code=204, responses=NOT_FOUND)
async def delete_override(account_id: AccountId, health: Health) -> Response:
    """Remove the override; the computed score is shown again (and announced)."""
    async with health.runtime.unit_of_work() as uow:
        if await account_segment(uow.session, account_id) is None:
            return unknown(account_id)
        if not await remove_override(uow.session, account_id):
            return JSONResponse(
                {"error": f"account '{account_id}' has no override"}, status_code=404
            )
        await health.recomputer.recompute(uow, [account_id])
    return Response(status_code=204)


async def health_view(
    session: AsyncSession, account_id: str, now: datetime
) -> AccountHealthOut | None:
    """The stored score, the override beside it, the trend and the open alerts."""
    row = await views.account_health_row(session, account_id, now)
    if row is None:
        return None
    past = [await views.score_at(session, account_id, now - timedelta(days=d)) for d in TREND_DAYS]
    trend = score_trend([(p.at, p.score) for p in past if p is not None], now, current=row.score)
    alerts = await views.open_alert_titles(session, account_id)
    override = override_of(row)
    return AccountHealthOut(
        account_id=row.account_id,
        name=row.name,
        segment=row.segment,
        region=row.region,
        owner=person(row.owner),
        manager=person(row.manager),
        score=row.effective_score,
        band=row.effective_band,
        source=row.source,
        computed_score=row.score,
        computed_band=row.band,
        scorecard=row.scorecard,
        components=[ComponentOut.model_validate(c) for c in row.components or []],
        missing=[MissingOut.model_validate(m) for m in row.missing or []],
        trend=TrendOut(
            score_7d_ago=trend.score_7d_ago,
            score_30d_ago=trend.score_30d_ago,
            change_7d=trend.delta_7d,
            change_30d=trend.delta_30d,
        ),
        override=(
            OverrideOut(**asdict(override), active=override.is_active(now)) if override else None
        ),
        open_alerts=[
            OpenAlertOut(
                alert_id=a.alert_id,
                rule=a.rule,
                severity=a.severity,
                dedup_key=a.dedup_key,
                title=a.title or a.rule,
                raised_at=a.raised_at,
            )
            for a in alerts
        ],
        last_updated=row.as_of,
    )
