"""An account's health: the score shown with its components, trend, override and open
alerts; its history; and the CSM's override of it."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from sqlalchemy.ext.asyncio import AsyncSession

from radar_runtime import SessionDep
from radar_runtime.auth.audit import record
from radar_runtime.errors import ApiError, ErrorBody
from radar_runtime.paging import Cursor, cursor_of, read_cursor
from radar_schemas.common import PLAIN_PATTERN

from ..domain.overrides import Override, override_band
from ..domain.trend import score_trend
from ..store import views
from ..store.overrides import account_owner, override_of, remove_override, set_override
from .deps import Actor, Health
from .models import (
    AccountHealthOut,
    ComponentOut,
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

AccountId = Annotated[str, Path(min_length=1, max_length=128, pattern=PLAIN_PATTERN)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "The account is not known"}
}
TREND_DAYS = (7, 30)


def unknown(account_id: str) -> ApiError:
    return ApiError(404, "not_found", f"account '{account_id}' is not known to the health service")


@router.get("/accounts/{account_id}/health", response_model=AccountHealthOut, responses=NOT_FOUND)
async def get_health(account_id: AccountId, health: Health, session: SessionDep) -> Any:
    """The account's score and band, components with explanations, trend and override."""
    view = await health_view(session, account_id, health.runtime.clock.now())
    if view is None:
        raise unknown(account_id)
    return view


@router.get(
    "/accounts/{account_id}/health/history",
    response_model=HistoryOut,
    responses=NOT_FOUND,
)
async def get_history(
    account_id: AccountId,
    health: Health,
    session: SessionDep,
    days: Annotated[int, Query(ge=1, le=400)] = 90,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    cursor: Cursor = None,
) -> Any:
    """Score history of the last `days` days by event time, oldest first: a point at the
    close of every day, and one whenever the score was announced. `limit` points a page;
    pass `next_cursor` as `cursor` for the next."""
    if not await views.account_known(session, account_id):
        raise unknown(account_id)
    (after,) = read_cursor(cursor, datetime) if cursor is not None else (None,)
    since = health.runtime.clock.now() - timedelta(days=days)
    rows = await views.history_since(session, account_id, since, after, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    return HistoryOut(
        account_id=account_id,
        days=days,
        points=[HistoryPointOut.model_validate(row, from_attributes=True) for row in rows],
        next_cursor=cursor_of(rows[-1].at) if more else None,
    )


@router.put(
    "/accounts/{account_id}/health/override",
    response_model=AccountHealthOut,
    responses={**NOT_FOUND, 400: {"model": ErrorBody, "description": "The body is not JSON"}},
)
async def put_override(
    account_id: AccountId, body: OverrideIn, who: Actor, health: Health, session: SessionDep
) -> Any:
    """Set an override (csm, manager or admin with the right to the account); it holds
    across recomputes until it expires or is removed. Its author is the caller."""
    async with health.runtime.unit_of_work() as uow:
        account = await account_owner(uow.session, account_id)
        if account is None:
            raise unknown(account_id)
        health.access.ensure_may_act_on(who, account.owned, f"the health of {account.name}")
        if body.expires_at <= uow.now:
            reason = f"must be in the future (now {uow.now.isoformat()})"
            raise ApiError(
                422,
                "invalid_request",
                f"body.expires_at: {reason}",
                details=[{"field": "body.expires_at", "reason": reason}],
            )
        override = Override(
            reason=body.reason,
            author=who.label,
            expires_at=body.expires_at,
            score=body.score,
            band=body.band,
        )
        before = account.override
        bands = health.rules.scorecard.for_segment(account.segment).bands
        await set_override(
            uow.session, account_id, override, override_band(override, bands), uow.now
        )
        await record(
            uow,
            who,
            "health.override_set",
            "account",
            account_id,
            before=audited(before),
            after=audited(override),
        )
        await health.recomputer.recompute(uow, [account_id])
    return await health_view(session, account_id, health.runtime.clock.now())


@router.delete("/accounts/{account_id}/health/override", status_code=204, responses=NOT_FOUND)
async def delete_override(account_id: AccountId, who: Actor, health: Health) -> Response:
    """Remove the override; the computed score is shown again (and announced)."""
    async with health.runtime.unit_of_work() as uow:
        account = await account_owner(uow.session, account_id)
        if account is None:
            raise unknown(account_id)
        health.access.ensure_may_act_on(who, account.owned, f"the health of {account.name}")
        before = account.override
        if not await remove_override(uow.session, account_id):
            raise ApiError(404, "not_found", f"account '{account_id}' has no override")
        await record(
            uow,
            who,
            "health.override_cleared",
            "account",
            account_id,
            before=audited(before),
            after=None,
        )
        await health.recomputer.recompute(uow, [account_id])
    return Response(status_code=204)


def audited(override: Override | None) -> dict[str, Any] | None:
    """An override as the audit log keeps it."""
    return asdict(override) if override is not None else None


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
