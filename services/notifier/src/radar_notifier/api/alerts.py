"""Alerts with their fatigue state; acknowledge and snooze them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from radar_notifier.api.deps import Actor, Notifier
from radar_notifier.api.models import AlertList, AlertOut, AlertStateName, SnoozeIn
from radar_notifier.api.paging import Cursor, Limit, cursor_of, page, read_cursor
from radar_notifier.domain.alerts import AlertView
from radar_notifier.domain.fatigue import acknowledge, snooze, unsnooze
from radar_notifier.domain.notices import AlertRecord
from radar_notifier.store import alerts, episodes
from radar_notifier.store.episodes import Marked
from radar_runtime import SessionDep
from radar_runtime.auth.audit import record as record_change
from radar_runtime.auth.roles import Owned, Principal

router = APIRouter()


@router.get("/alerts", response_model=AlertList)
async def list_alerts(
    notifier: Notifier,
    session: SessionDep,
    state: AlertStateName | None = None,
    owner: Annotated[str | None, Query(description="The owner's email address.")] = None,
    account: Annotated[str | None, Query(description="An account_id.")] = None,
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
        account=account,
        notified=notified,
        after=read_cursor(cursor, datetime, str) if cursor else None,
        limit=limit + 1,
    )
    shown, last = page(rows, limit)
    return AlertList(
        alerts=[_alert_out(row, now) for row in shown],
        next_cursor=cursor_of(last.updated_at, last.dedup_key) if last is not None else None,
    )


@router.get("/alerts/{alert_id}", response_model=AlertOut)
async def get_alert(alert_id: str, notifier: Notifier, session: SessionDep) -> AlertOut:
    """One alert by its alert_id (or dedup_key)."""
    row = await alerts.by_id(session, alert_id)
    if row is None:
        raise HTTPException(404, f"no alert {alert_id!r}")
    return _alert_out(row, notifier.runtime.clock.now())


@router.post("/alerts/{alert_id}/ack", response_model=AlertOut)
async def ack_alert(alert_id: str, who: Actor, notifier: Notifier) -> AlertOut:
    """Acknowledge: no more notifications of this alert until it resolves and returns.
    Who acknowledged comes from the credential."""

    def change(record: AlertRecord, now: datetime) -> None:
        if not record.raised:
            raise HTTPException(409, "the alert is resolved; there is nothing to acknowledge")
        record.state = acknowledge(record.state, who.label, now)
        record.recheck_at = None

    return await _change_alert(notifier, who, alert_id, "alert.acked", change, "acked_at")


@router.post("/alerts/{alert_id}/snooze", response_model=AlertOut)
async def snooze_alert(alert_id: str, body: SnoozeIn, who: Actor, notifier: Notifier) -> AlertOut:
    """Snooze: no notifications of this alert until `until`, even across a re-raise."""

    def change(record: AlertRecord, now: datetime) -> None:
        if body.until <= now:
            raise HTTPException(422, "until must be in the future")
        record.state = snooze(record.state, body.until, now)
        # When the snooze ends, whoever was not told yet is told then.
        record.recheck_at = body.until if record.raised else None

    return await _change_alert(notifier, who, alert_id, "alert.snoozed", change, "snoozed_at")


@router.delete("/alerts/{alert_id}/snooze", response_model=AlertOut)
async def unsnooze_alert(alert_id: str, who: Actor, notifier: Notifier) -> AlertOut:
    """End a snooze now."""

    def change(record: AlertRecord, now: datetime) -> None:
        record.state = unsnooze(record.state)
        record.recheck_at = now if record.raised else None

    return await _change_alert(notifier, who, alert_id, "alert.unsnoozed", change)


async def _change_alert(
    notifier: Notifier,
    who: Principal,
    alert_id: str,
    action: str,
    change: Callable[[AlertRecord, datetime], None],
    marks: Marked | None = None,
) -> AlertOut:
    async with notifier.runtime.unit_of_work() as uow:
        row = await alerts.by_id(uow.session, alert_id, lock=True)
        if row is None:
            raise HTTPException(404, f"no alert {alert_id!r}")
        record = alerts.record_from_row(row)
        notifier.access.ensure_may_act_on(
            who, owned_by(record.view), f"the alerts of {record.view.account_name}"
        )
        before = fatigue_of(row, uow.now)
        change(record, uow.now)
        await alerts.save_fatigue(uow.session, [record], uow.now)
        episode = episodes.key_of(record)
        if marks is not None and episode is not None:
            await episodes.mark(uow.session, marks, [episode], uow.now)
        updated = await alerts.by_id(uow.session, record.state.dedup_key)
        assert updated is not None  # changed in this transaction
        await record_change(
            uow,
            who,
            action,
            "alert",
            row.alert_id,
            before=before,
            after=fatigue_of(updated, uow.now),
        )
    # The worker looks now rather than at its next poll (an unsnooze is due at once).
    notifier.worker.wake()
    return _alert_out(updated, uow.now)


def owned_by(view: AlertView) -> Owned:
    """What the access rules know about an alert's account."""
    return Owned(
        owner_email=view.owner.email if view.owner else None,
        manager_email=view.manager.email if view.manager else None,
        segment=view.segment,
        region=view.region,
    )


def fatigue_of(row: Any, now: datetime) -> dict[str, Any]:
    """An alert's acknowledgement and snooze, as the audit log records them."""
    return {
        "state": state_name(row, now),
        "acked_by": row.acked_by,
        "snoozed_until": row.snoozed_until.isoformat() if row.snoozed_until else None,
    }


def state_name(row: Any, now: datetime) -> AlertStateName:
    if row.status == "resolved":
        return "resolved"
    if row.acked_at is not None:
        return "acked"
    if row.snoozed_until is not None and row.snoozed_until > now:
        return "snoozed"
    return "raised"


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
    )
