"""The alerts inbox: my open alerts by severity and age with their drivers and the
recommended play; ack, snooze until a date, or "not useful" with a reason, one alert or
many at once (one notifier call per alert, every outcome reported)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import Response

from ..clients import ApiRefused
from ..domain.inbox import ACTIONS, REASONS, Outcome, inbox_rows, severity_counts, summary
from ..parts import ConsoleParts
from ..web.templating import render
from ..web.viewer import Console, FormViewer, PageViewer, Viewer

router = APIRouter(include_in_schema=False)
NAV = (20, "Alerts", "/alerts")

PAGE_SIZE = 50
MAX_BULK = 100


async def _page(
    request: Request,
    parts: ConsoleParts,
    viewer: Viewer,
    cursor: str | None,
    outcomes: list[Outcome] | None = None,
    error: str = "",
    status_code: int = 200,
) -> Response:
    # A CSM's inbox is the alerts they own; managers and above see every open alert
    # they may read (the notifier decides).
    owner = viewer.email if viewer.role == "csm" else None
    try:
        listed = await parts.notifier.alerts(
            viewer.credential, state="raised", owner=owner, cursor=cursor, limit=PAGE_SIZE
        )
    except ApiRefused as refused:
        return render(
            request, "error.html", viewer, status_code=refused.status, message=refused.message
        )
    rows = inbox_rows(listed["alerts"], parts.runtime.clock.now())
    return render(
        request,
        "alerts.html",
        viewer,
        page="alerts",
        rows=rows,
        counts=severity_counts(rows),
        cursor=cursor,
        next_cursor=listed.get("next_cursor"),
        reasons=REASONS,
        outcomes=outcomes or [],
        outcome_summary=summary(outcomes) if outcomes else "",
        error=error,
        status_code=status_code,
    )


@router.get("/alerts")
async def inbox(
    request: Request,
    viewer: PageViewer,
    parts: Console,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
) -> Response:
    return await _page(request, parts, viewer, cursor)


@router.post("/alerts/act")
async def act(
    request: Request,
    viewer: FormViewer,
    parts: Console,
    action: Annotated[str, Form(max_length=20)],
    alert_id: Annotated[list[str] | None, Form()] = None,
    until: Annotated[str, Form(max_length=10)] = "",
    reason: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """One action on every alert ticked (or the one whose row button was pressed)."""
    chosen = list(dict.fromkeys(a for a in alert_id or [] if a))
    problem = _problem(action, chosen, until, reason)
    if problem:
        return await _page(request, parts, viewer, None, error=problem, status_code=422)
    outcomes = [
        await _one(parts, viewer, action, one, until=until, reason=reason, note=note)
        for one in chosen
    ]
    return await _page(request, parts, viewer, None, outcomes=outcomes)


def _problem(action: str, chosen: list[str], until: str, reason: str) -> str:
    if action not in ACTIONS:
        return f"unknown action {action!r}"
    if not chosen:
        return "tick at least one alert"
    if len(chosen) > MAX_BULK:
        return f"at most {MAX_BULK} alerts at once"
    if action == "snooze":
        try:
            datetime.fromisoformat(until)
        except ValueError:
            return "snooze needs a date to snooze until (YYYY-MM-DD)"
    if action == "not_useful" and reason not in REASONS:
        return "say why it was not useful: " + ", ".join(REASONS)
    return ""


async def _one(
    parts: ConsoleParts,
    viewer: Viewer,
    action: str,
    alert_id: str,
    *,
    until: str,
    reason: str,
    note: str,
) -> Outcome:
    try:
        if action == "ack":
            await parts.notifier.ack(viewer.credential, alert_id)
            return Outcome(alert_id, True, "acknowledged")
        if action == "snooze":
            day = datetime.fromisoformat(until).date()
            moment = datetime.combine(day, time(0), UTC).isoformat()
            await parts.notifier.snooze(viewer.credential, alert_id, moment)
            return Outcome(alert_id, True, f"snoozed until {day}")
        await parts.notifier.not_useful(viewer.credential, alert_id, reason, note.strip())
        return Outcome(alert_id, True, f"marked not useful ({reason})")
    except ApiRefused as refused:
        return Outcome(alert_id, False, refused.message)
