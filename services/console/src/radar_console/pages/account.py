"""One account: its health with every component, the score over time and what changed
between two of its points, usage over time, its renewal with risk drivers, its alerts
with ack and snooze, the timeline of its events, and the manual override with its
history."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from ..clients import ApiRefused
from ..domain.account import (
    DEFAULT_BANDS,
    compared_points,
    moves_of,
    point_choices,
    score_points,
    split_alerts,
)
from ..domain.charts import score_svg, usage_svg
from ..domain.timeline import END, merge
from ..parts import ConsoleParts
from ..web.templating import render
from ..web.viewer import Console, DataViewer, FormViewer, PageViewer, Viewer

router = APIRouter(include_in_schema=False)

AccountId = Annotated[str, Path(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:@-]+$")]
AlertId = Annotated[str, Path(min_length=1, max_length=300)]


TIMELINE_SIZE = 25
USAGE_DAYS = 90
INSTANT = r"^[0-9T:.+Z -]*$"  # an ISO instant (as a history point's `at`)
TimelineCursor = Annotated[str, Query(max_length=400, pattern=r"^[A-Za-z0-9_=-]*$")]


async def load_account(parts: ConsoleParts, viewer: Viewer, account_id: str) -> dict[str, Any]:
    """The live part: health, the score chart, the renewal and the alerts."""
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
        "chart": score_svg(points, DEFAULT_BANDS),
        "points": points,
        "terms": terms["items"],
        "renewal": renewal,
        "open_alerts": open_alerts,
        "past_alerts": past_alerts,
    }


async def load_history(
    parts: ConsoleParts,
    viewer: Viewer,
    account_id: str,
    points: list[tuple[str, float]],
    picked: tuple[str | None, str | None],
    cursors: tuple[str, str],
) -> dict[str, Any]:
    """The rest of the page: what changed, usage, the timeline and the override history."""
    credential = viewer.credential
    pair = compared_points(points, *picked)
    health_cursor, renewals_cursor = cursors

    async def changes() -> dict[str, Any] | str | None:
        if pair is None:
            return None
        try:
            return await parts.health.changes(credential, account_id, *pair)
        except ApiRefused as refused:  # a bad pick is the form's problem, not the page's
            return refused.message

    async def events() -> dict[str, Any] | None:
        if health_cursor == END:
            return None
        cursor = health_cursor or None
        return await parts.health.events(credential, account_id, cursor, TIMELINE_SIZE)

    async def opportunities() -> dict[str, Any] | None:
        if renewals_cursor == END:
            return None
        cursor = renewals_cursor or None
        return await parts.renewals.opportunities(credential, account_id, cursor, TIMELINE_SIZE)

    compared, usage, health_events, opportunity_edits, overrides = await asyncio.gather(
        changes(),
        parts.health.usage(credential, account_id, days=USAGE_DAYS),
        events(),
        opportunities(),
        parts.health.overrides(credential, account_id),
    )
    timeline = merge(
        health_events, opportunity_edits, health_cursor, renewals_cursor, TIMELINE_SIZE
    )
    return {
        "pair": pair,
        "changes": compared if isinstance(compared, dict) else None,
        "changes_error": compared if isinstance(compared, str) else "",
        "moves": moves_of(compared) if isinstance(compared, dict) else [],
        "choices": point_choices(points),
        "usage_chart": usage_svg(usage),
        "usage_days": USAGE_DAYS,
        "timeline": timeline,
        "timeline_started": bool(health_cursor or renewals_cursor),
        "overrides": overrides["changes"],
    }


@router.get("/accounts/{account_id}")
async def account_page(
    request: Request,
    account_id: AccountId,
    viewer: PageViewer,
    parts: Console,
    error: str = "",
    start: Annotated[str | None, Query(alias="from", max_length=64, pattern=INSTANT)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=64, pattern=INSTANT)] = None,
    events_health: TimelineCursor = "",
    events_renewals: TimelineCursor = "",
) -> Response:
    try:
        data = await load_account(parts, viewer, account_id)
        more = await load_history(
            parts,
            viewer,
            account_id,
            data["points"],
            (start, end),
            (events_health, events_renewals),
        )
    except ApiRefused as refused:
        return render(
            request, "error.html", viewer, status_code=refused.status, message=refused.message
        )
    return render(request, "account.html", viewer, page="book", error=error, **data, **more)


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
