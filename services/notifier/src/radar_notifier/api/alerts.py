"""Alerts with their fatigue state; acknowledge, snooze and judge them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import StringConstraints

from radar_notifier.api.commands import act, state_name
from radar_notifier.api.deps import Actor, Notifier
from radar_notifier.api.models import (
    AlertList,
    AlertOut,
    AlertStateName,
    FeedbackIn,
    FeedbackList,
    FeedbackOut,
    SnoozeIn,
)
from radar_notifier.domain.actions import Action, Verb
from radar_notifier.store import alerts, feedback
from radar_runtime import SessionDep
from radar_runtime.auth.roles import Principal
from radar_runtime.errors import ApiError, ErrorBody
from radar_runtime.paging import Cursor, Limit, cursor_of, page, read_cursor
from radar_schemas.common import PLAIN_PATTERN, AlertRule

# Every route on one alert: an id or dedup_key no alert has.
NO_ALERT: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No alert has this id or dedup_key"}
}

# As the other services bound an account_id: the id's length, no control characters.
AccountIds = Annotated[
    list[Annotated[str, StringConstraints(max_length=128, pattern=PLAIN_PATTERN)]] | None,
    Query(max_length=500, description="An account_id; repeat for several."),
]

router = APIRouter()


@router.get("/alerts", response_model=AlertList)
async def list_alerts(
    notifier: Notifier,
    session: SessionDep,
    state: AlertStateName | None = None,
    owner: Annotated[str | None, Query(description="The owner's email address.")] = None,
    account: AccountIds = None,
    notified: Annotated[
        bool | None,
        Query(
            description="Whether anyone was told of the current episode; `false` with "
            "`state=resolved` lists history: conditions over before anyone was paged."
        ),
    ] = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> AlertList:
    """Alerts, most recently changed first; state is raised, resolved, acked or snoozed.
    An alert that changes while you page moves to the front."""
    now = notifier.runtime.clock.now()
    rows = await alerts.listed(
        session,
        now=now,
        state=state,
        owner=owner.strip().lower() if owner is not None else None,
        account=account or (),
        notified=notified,
        after=read_cursor(cursor, datetime, str) if cursor else None,
        limit=limit + 1,
    )
    shown, last = page(rows, limit)
    return AlertList(
        alerts=[_alert_out(row, now) for row in shown],
        next_cursor=cursor_of(last.updated_at, last.dedup_key) if last is not None else None,
    )


@router.get("/alerts/{alert_id}", response_model=AlertOut, responses=NO_ALERT)
async def get_alert(alert_id: str, notifier: Notifier, session: SessionDep) -> AlertOut:
    """One alert by its alert_id (or dedup_key)."""
    row = await alerts.by_id(session, alert_id)
    if row is None:
        raise ApiError(404, "not_found", f"no alert {alert_id!r}")
    return _alert_out(row, notifier.runtime.clock.now())


@router.post("/alerts/{alert_id}/ack", response_model=AlertOut, responses=NO_ALERT)
async def ack_alert(alert_id: str, who: Actor, notifier: Notifier) -> AlertOut:
    """Acknowledge: no more notifications of this alert until it resolves and returns.
    Who acknowledged comes from the credential."""
    return await _act(notifier, who, alert_id, Action(Verb.ACK))


@router.post("/alerts/{alert_id}/snooze", response_model=AlertOut, responses=NO_ALERT)
async def snooze_alert(alert_id: str, body: SnoozeIn, who: Actor, notifier: Notifier) -> AlertOut:
    """Snooze: no notifications of this alert until `until`, even across a re-raise."""
    return await _act(notifier, who, alert_id, Action(Verb.SNOOZE, until=body.until))


@router.delete("/alerts/{alert_id}/snooze", response_model=AlertOut, responses=NO_ALERT)
async def unsnooze_alert(alert_id: str, who: Actor, notifier: Notifier) -> AlertOut:
    """End a snooze now."""
    return await _act(notifier, who, alert_id, Action(Verb.UNSNOOZE))


@router.post("/alerts/{alert_id}/feedback", response_model=FeedbackOut, responses=NO_ALERT)
async def judge_alert(
    alert_id: str, body: FeedbackIn, who: Actor, notifier: Notifier
) -> FeedbackOut:
    """Say the alert's current episode was not useful, and why: counted per rule in
    `GET /v1/rules/quality`. A second verdict from the same person replaces the first."""
    action = Action(Verb.NOT_USEFUL, reason=body.reason, note=body.note)
    acted = await act(notifier, who, alert_id, action)
    return FeedbackOut.model_validate(acted.verdict._mapping, from_attributes=False)


@router.get("/feedback", response_model=FeedbackList)
async def list_feedback(
    session: SessionDep,
    rule: AlertRule | None = None,
    account: AccountIds = None,
    cursor: Cursor = None,
    limit: Limit = 100,
) -> FeedbackList:
    """ "Not useful" verdicts, newest first, with the person, the reason and the note."""
    (before_id,) = read_cursor(cursor, int) if cursor else (None,)
    rows = await feedback.listed(
        session, rule=rule, account=account, before_id=before_id, limit=limit + 1
    )
    shown, last = page(rows, limit)
    return FeedbackList(
        feedback=[FeedbackOut.model_validate(r._mapping, from_attributes=False) for r in shown],
        next_cursor=cursor_of(last.id) if last is not None else None,
    )


async def _act(notifier: Notifier, who: Principal, alert_id: str, action: Action) -> AlertOut:
    acted = await act(notifier, who, alert_id, action)
    return _alert_out(acted.alert, acted.at)


def _alert_out(row: Any, now: datetime) -> AlertOut:
    view = row.view
    return AlertOut(
        alert_id=row.alert_id,
        dedup_key=row.dedup_key,
        state=state_name(row, now),
        rule=row.rule,
        severity=row.severity,
        title=row.title,
        account_id=row.account_id,
        account_name=view.get("account_name", row.account_id),
        owner_email=row.owner_email,
        first_raised_at=row.first_raised_at,
        last_raised_at=row.last_raised_at,
        resolved_at=row.resolved_at,
        acked_by=row.acked_by,
        acked_at=row.acked_at,
        snoozed_until=row.snoozed_until,
        inhibited_by=row.inhibited_by,
        recipients=row.recipients,
        matched_routes=row.matched_routes,
        skipped_recipients=row.skipped_recipients,
        last_notified_at=row.last_notified_at,
        notified_at=row.notified_at,
        summary=view.get("summary", ""),
        drivers=view.get("drivers", []),
        recommended_actions=view.get("recommended_actions", []),
    )
