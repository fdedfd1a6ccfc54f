"""The renewal center: renewals due in a month or quarter, filtered; each row shows the
CRM's forecast category beside the system's risk and the manager's call, which a manager
edits in place (saved at once through the renewals API, kept there with its history);
above them the forecast's three views per currency, where they differ highlighted."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from ..clients import ApiRefused
from ..domain.leadership import three_views
from ..domain.renewal_center import CALL_CATEGORIES, FILTERS, CallError, call_body, window
from ..web.templating import render
from ..web.viewer import Console, DataViewer, FormViewer, PageViewer

router = APIRouter(include_in_schema=False)
NAV = (30, "Renewals", "/renewals")

PAGE_SIZE = 100
Text = Annotated[str | None, Query(max_length=200)]
SubscriptionId = Annotated[str, Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:@-]+$")]


@router.get("/renewals")
async def renewal_center(
    request: Request,
    viewer: PageViewer,
    parts: Console,
    period: Literal["month", "quarter"] = "quarter",
    offset: Annotated[int, Query(ge=-40, le=40)] = 0,
    segment: Text = None,
    region: Text = None,
    owner: Text = None,
    state: Text = None,
    risk_band: Text = None,
    page: Annotated[int, Query(ge=0, le=1000)] = 0,
    error: Annotated[str, Query(max_length=500)] = "",
) -> Response:
    shown = window(parts.runtime.clock.now().date(), period, offset)
    chosen = {
        "segment": segment,
        "region": region,
        "owner": owner,
        "state": state,
        "risk_band": risk_band,
    }
    filters = {key: value for key, value in chosen.items() if value}
    try:
        listed, forecast = await asyncio.gather(
            parts.renewals.renewals(
                viewer.credential,
                due_from=shown.start.isoformat(),
                due_to=shown.end.isoformat(),
                limit=PAGE_SIZE,
                offset=page * PAGE_SIZE,
                **filters,
            ),
            parts.renewals.forecast(
                viewer.credential,
                period=period,
                **{"from": shown.start.isoformat(), "to": shown.end.isoformat()},
            ),
        )
    except ApiRefused as refused:
        return render(
            request, "error.html", viewer, status_code=refused.status, message=refused.message
        )
    query = {"period": period, **filters}
    return render(
        request,
        "renewals.html",
        viewer,
        page="renewals",
        window=shown,
        period=period,
        offset=offset,
        filters=chosen,
        filter_names=FILTERS,
        query=query,
        here=urlencode({**query, "offset": offset}),
        items=listed["items"],
        total=listed["total"],
        page_number=page,
        more=listed.get("next_offset") is not None,
        views=three_views(forecast["totals"]),
        disagreements=forecast.get("disagreements", []),
        categories=CALL_CATEGORIES,
        error=error,
    )


@router.post("/renewals/{subscription_id}/call")
async def save_call(
    request: Request, subscription_id: SubscriptionId, viewer: FormViewer, parts: Console
) -> Response:
    """Saved at once. A page's script gets JSON (the row updates in place); a plain form
    post goes back to the page it came from."""
    form = await request.form()
    wants_json = "application/json" in request.headers.get("accept", "")
    back = str(form.get("back", "")) or "period=quarter"
    try:
        body = call_body({key: str(value) for key, value in form.items()})
        call = await parts.renewals.set_call(viewer.credential, subscription_id, body)
    except CallError as bad:
        return _answer(wants_json, back, 422, str(bad))
    except ApiRefused as refused:
        return _answer(wants_json, back, refused.status, refused.message)
    if wants_json:
        return JSONResponse({"ok": True, "call": call})
    return RedirectResponse(f"/renewals?{back}", 303)


@router.get("/renewals/{subscription_id}/calls")
async def call_history(
    request: Request, subscription_id: SubscriptionId, viewer: DataViewer, parts: Console
) -> Response:
    """The call's history, newest first (a fragment the row opens)."""
    history: dict[str, Any] = await parts.renewals.calls(viewer.credential, subscription_id)
    return render(
        request, "renewal_calls.html", viewer, items=history["items"], categories=CALL_CATEGORIES
    )


def _answer(wants_json: bool, back: str, status: int, message: str) -> Response:
    if wants_json:
        return JSONResponse({"ok": False, "error": message}, status_code=status)
    return RedirectResponse(f"/renewals?{back}&{urlencode({'error': message})}", 303)
