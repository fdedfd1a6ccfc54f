"""HTTP routes: account health, its history, the account list, and CSM overrides."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import JSONResponse
from sqlalchemy import text

from radar_runtime import RuntimeDep, SessionDep
from radar_schemas.common import Band, Segment

from . import queries
from .context import health_context
from .listing import BadCursor, SortKey, list_accounts
from .models import (
    AccountHealthOut,
    AccountListItem,
    AccountListOut,
    ErrorOut,
    HistoryOut,
    HistoryPointOut,
    OverrideIn,
    person,
)
from .views import health_view

router = APIRouter(prefix="/v1", tags=["health"])

AccountId = Annotated[str, Path(min_length=1, max_length=128)]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorOut, "description": "The account is not known"}
}

_SET_OVERRIDE = text(
    """
    INSERT INTO health_overrides AS o (account_id, score, band, effective_band, reason, author,
        expires_at, created_at)
    VALUES (:id, :score, :band, :effective_band, :reason, :author, :expires_at, :now)
    ON CONFLICT (account_id) DO UPDATE SET score = EXCLUDED.score, band = EXCLUDED.band,
        effective_band = EXCLUDED.effective_band, reason = EXCLUDED.reason,
        author = EXCLUDED.author, expires_at = EXCLUDED.expires_at,
        created_at = EXCLUDED.created_at
    """
)
_REMOVE_OVERRIDE = text("DELETE FROM health_overrides WHERE account_id = :id RETURNING 1")
_SEGMENT = text("SELECT segment FROM accounts WHERE account_id = :id")


def unknown(account_id: str) -> JSONResponse:
    return JSONResponse(
        {"error": f"account '{account_id}' is not known to the health service"}, status_code=404
    )


@router.get("/accounts/{account_id}/health", response_model=AccountHealthOut, responses=NOT_FOUND)
async def get_health(account_id: AccountId, runtime: RuntimeDep, session: SessionDep) -> Any:
    """The account's score and band, components with explanations, trend and override."""
    view = await health_view(session, account_id, runtime.clock.now())
    return view if view is not None else unknown(account_id)


@router.get("/accounts/{account_id}/health/history", response_model=HistoryOut, responses=NOT_FOUND)
async def get_history(
    account_id: AccountId,
    runtime: RuntimeDep,
    session: SessionDep,
    days: Annotated[int, Query(ge=1, le=400)] = 90,
) -> Any:
    """Score history of the last `days` days, oldest first (at least one point a day)."""
    if not await queries.account_known(session, account_id):
        return unknown(account_id)
    rows = await queries.history(session, account_id, runtime.clock.now(), days)
    return HistoryOut(
        account_id=account_id,
        days=days,
        points=[HistoryPointOut.model_validate(row, from_attributes=True) for row in rows],
    )


@router.get("/accounts", response_model=AccountListOut, responses={400: {"model": ErrorOut}})
async def get_accounts(
    runtime: RuntimeDep,
    session: SessionDep,
    band: Band | None = None,
    segment: Segment | None = None,
    owner: Annotated[str | None, Query(max_length=254, description="Owner's email")] = None,
    sort: SortKey = "name",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> Any:
    """Accounts with their shown score, filtered and sorted; keyset-paginated by `cursor`."""
    try:
        rows, next_cursor = await list_accounts(
            session,
            now=runtime.clock.now(),
            band=band,
            segment=segment,
            owner=owner,
            sort=sort,
            limit=limit,
            cursor=cursor,
        )
    except BadCursor as error:
        return JSONResponse({"error": str(error)}, status_code=400)
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


@router.put(
    "/accounts/{account_id}/health/override",
    response_model=AccountHealthOut,
    responses={**NOT_FOUND, 422: {"model": ErrorOut}},
)
async def put_override(
    account_id: AccountId, body: OverrideIn, runtime: RuntimeDep, session: SessionDep
) -> Any:
    """Set the CSM's override; it holds across recomputes until it expires or is removed."""
    context = health_context(runtime)
    async with runtime.unit_of_work() as uow:
        segment_row = (await uow.session.execute(_SEGMENT, {"id": account_id})).first()
        if segment_row is None:
            return unknown(account_id)
        if body.expires_at <= uow.now:
            return JSONResponse(
                {"error": f"expires_at must be in the future (now {uow.now.isoformat()})"},
                status_code=422,
            )
        thresholds = context.rules.scorecard.for_segment(segment_row.segment).bands
        effective_band = body.band or thresholds.band_for(body.score or 0.0)
        await uow.session.execute(
            _SET_OVERRIDE,
            {
                "id": account_id,
                "score": body.score,
                "band": body.band,
                "effective_band": effective_band,
                "reason": body.reason,
                "author": body.author,
                "expires_at": body.expires_at,
                "now": uow.now,
            },
        )
        await context.recomputer.recompute(uow, [account_id])
    return await health_view(session, account_id, runtime.clock.now())


@router.delete("/accounts/{account_id}/health/override", status_code=204, responses=NOT_FOUND)
async def delete_override(account_id: AccountId, runtime: RuntimeDep) -> Response:
    """Remove the override; the computed score is shown again (and announced)."""
    context = health_context(runtime)
    async with runtime.unit_of_work() as uow:
        if (await uow.session.execute(_SEGMENT, {"id": account_id})).first() is None:
            return unknown(account_id)
        removed = (await uow.session.execute(_REMOVE_OVERRIDE, {"id": account_id})).first()
        if removed is None:
            return JSONResponse(
                {"error": f"account '{account_id}' has no override"}, status_code=404
            )
        await context.recomputer.recompute(uow, [account_id])
    return Response(status_code=204)
