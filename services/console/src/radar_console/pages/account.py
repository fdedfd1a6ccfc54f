"""One account: its health with every component, the score over time, its renewal
with risk drivers, its alerts with ack and snooze, and the manual override."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from ..clients import ApiRefused
from ..domain.account import DEFAULT_BANDS, score_points, split_alerts
from ..domain.svg import score_chart
from ..parts import ConsoleParts
from ..web.templating import render
from ..web.viewer import Console, DataViewer, FormViewer, PageViewer, Viewer

router = APIRouter(include_in_schema=False)

AccountId = Annotated[str, Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:@-]+$")]
AlertId = Annotated[str, Path(min_length=1, max_length=300)]


async def load_account(parts: ConsoleParts, viewer: Viewer, account_id: str) -> dict[str, Any]:
    credential = viewer.credential
    health, history, terms, alerts = await asyncio.gather(
        parts.health.health(credential, account_id),
        parts.health.history(credential, account_id, days=90),
        parts.renewals.renewals(credential, account=[account_id], limit=50),
        parts.notifier.alerts(credential, account=[account_id], limit=100),
    )
    current = [term for term in terms["items"] if term.get("is_current")]
    renewal = (
        await parts.renewals.renewal(credential, current[0]["subscription_id"]) if current else None
    )
    points = score_points(history["points"])
    open_alerts, past_alerts = split_alerts(alerts["alerts"])
    return {
        "health": health,
        "chart": score_chart(points, DEFAULT_BANDS),
        "points": points,
        "terms": terms["items"],
        "renewal": renewal,
        "open_alerts": open_alerts,
        "past_alerts": past_alerts,
    }


@router.get("/accounts/{account_id}")
async def account_page(
    request: Request, account_id: AccountId, viewer: PageViewer, parts: Console, error: str = ""
) -> Response:
    try:
        data = await load_account(parts, viewer, account_id)
    except ApiRefused as refused:
        return render(
            request, "error.html", viewer, status_code=refused.status, message=refused.message
        )
    return render(request, "account.html", viewer, page="book", error=error, **data)


@router.get("/fragments/accounts/{account_id}")
async def account_fragment(
    request: Request, account_id: AccountId, viewer: DataViewer, parts: Console
) -> Response:
    """The page's live part, for refreshing in place."""
    data = await load_account(parts, viewer, account_id)
    return render(request, "account_live.html", viewer, **data)


@router.post("/accounts/{account_id}/override")
async def set_override(
    account_id: AccountId,
    viewer: FormViewer,
    parts: Console,
    reason: Annotated[str, Form(min_length=1, max_length=500)],
    expires_days: Annotated[int, Form(ge=1, le=365)] = 30,
    score: Annotated[str, Form(max_length=10)] = "",
    band: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    body: dict[str, Any] = {
        "reason": reason,
        "expires_at": (parts.runtime.clock.now() + timedelta(days=expires_days)).isoformat(),
    }
    if score.strip():
        try:
            body["score"] = float(score)
        except ValueError:
            return _back(account_id, "the score must be a number from 0 to 100")
    if band:
        body["band"] = band
    try:
        await parts.health.set_override(viewer.credential, account_id, body)
    except ApiRefused as refused:
        return _back(account_id, refused.message)
    return _back(account_id)


@router.post("/accounts/{account_id}/override/remove")
async def remove_override(account_id: AccountId, viewer: FormViewer, parts: Console) -> Response:
    try:
        await parts.health.remove_override(viewer.credential, account_id)
    except ApiRefused as refused:
        return _back(account_id, refused.message)
    return _back(account_id)


@router.post("/accounts/{account_id}/alerts/{alert_id}/ack")
async def ack(
    account_id: AccountId, alert_id: AlertId, viewer: FormViewer, parts: Console
) -> Response:
    try:
        await parts.notifier.ack(viewer.credential, alert_id)
    except ApiRefused as refused:
        return _back(account_id, refused.message)
    return _back(account_id)


@router.post("/accounts/{account_id}/alerts/{alert_id}/snooze")
async def snooze(
    account_id: AccountId,
    alert_id: AlertId,
    viewer: FormViewer,
    parts: Console,
    days: Annotated[int, Form(ge=1, le=90)] = 7,
) -> Response:
    until = (parts.runtime.clock.now() + timedelta(days=days)).isoformat()
    try:
        await parts.notifier.snooze(viewer.credential, alert_id, until)
    except ApiRefused as refused:
        return _back(account_id, refused.message)
    return _back(account_id)


def _back(account_id: str, error: str = "") -> Response:
    suffix = f"?error={quote(error)}" if error else ""
    return RedirectResponse(f"/accounts/{quote(account_id)}{suffix}", 303)
