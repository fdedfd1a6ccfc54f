"""HTTP API: alerts with their fatigue state, ack and snooze, and the delivery log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query
from pydantic import AwareDatetime, BaseModel, Field
from sqlalchemy import Select, and_, or_, select

from radar_notifier.domain.fatigue import acknowledge, snooze, unsnooze
from radar_notifier.domain.notices import AlertRecord
from radar_notifier.store.alerts import record_from_row, save_fatigue
from radar_notifier.store.tables import alerts, deliveries
from radar_runtime import RuntimeDep, SessionDep

router = APIRouter(prefix="/v1", tags=["notifications"])

AlertStateName = Literal["raised", "resolved", "acked", "snoozed"]
DeliveryStatus = Literal["pending", "sent", "failed"]


class AlertOut(BaseModel):
    alert_id: str
    dedup_key: str
    state: AlertStateName
    rule: str
    severity: str
    title: str
    account_id: str
    account_name: str
    owner_email: str | None
    first_raised_at: datetime | None
    last_raised_at: datetime | None
    resolved_at: datetime | None
    acked_by: str | None
    acked_at: datetime | None
    snoozed_until: datetime | None
    inhibited_by: str | None
    recipients: list[dict[str, Any]]
    matched_routes: list[str]
    skipped_recipients: list[dict[str, Any]]
    last_notified_at: dict[str, datetime]


class AlertList(BaseModel):
    alerts: list[AlertOut]


class AckIn(BaseModel):
    by: Annotated[str, Field(min_length=1, max_length=256, description="Who acknowledges.")]


class SnoozeIn(BaseModel):
    until: AwareDatetime = Field(description="Silence the alert until this time (RFC 3339).")
    by: Annotated[str | None, Field(max_length=256)] = None


class DeliveryOut(BaseModel):
    id: int
    channel: str
    recipient: str
    route: str
    headline: str
    status: DeliveryStatus
    attempts: int
    last_error: str | None
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    created_at: datetime
    sent_at: datetime | None
    failed_at: datetime | None
    alert_ids: list[str]


class DeliveryList(BaseModel):
    deliveries: list[DeliveryOut]


Limit = Annotated[int, Query(ge=1, le=1000)]


def _state_filter(state: AlertStateName, now: datetime) -> Any:
    snoozed = and_(alerts.c.snoozed_until.is_not(None), alerts.c.snoozed_until > now)
    raised = alerts.c.status == "raised"
    match state:
        case "resolved":
            return alerts.c.status == "resolved"
        case "acked":
            return and_(raised, alerts.c.acked_at.is_not(None))
        case "snoozed":
            return and_(raised, alerts.c.acked_at.is_(None), snoozed)
        case _:
            return and_(raised, alerts.c.acked_at.is_(None), ~snoozed.self_group())


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
    )


@router.get("/alerts", response_model=AlertList)
async def list_alerts(
    runtime: RuntimeDep,
    session: SessionDep,
    state: AlertStateName | None = None,
    owner: Annotated[str | None, Query(description="The owner's email address.")] = None,
    account: Annotated[str | None, Query(description="An account_id.")] = None,
    limit: Limit = 100,
) -> AlertList:
    """Alerts, most recently changed first; state is raised, resolved, acked or snoozed."""
    now = runtime.clock.now()
    query: Select[Any] = select(alerts).order_by(alerts.c.updated_at.desc(), alerts.c.dedup_key)
    if state is not None:
        query = query.where(_state_filter(state, now))
    if owner is not None:
        query = query.where(alerts.c.owner_email == owner.strip().lower())
    if account is not None:
        query = query.where(alerts.c.account_id == account)
    rows = (await session.execute(query.limit(limit))).all()
    return AlertList(alerts=[_alert_out(row, now) for row in rows])


@router.get("/alerts/{alert_id}", response_model=AlertOut)
async def get_alert(alert_id: str, runtime: RuntimeDep, session: SessionDep) -> AlertOut:
    """One alert by its alert_id (or dedup_key)."""
    row = (await session.execute(_by_id(alert_id))).first()
    if row is None:
        raise HTTPException(404, f"no alert {alert_id!r}")
    return _alert_out(row, runtime.clock.now())


@router.post("/alerts/{alert_id}/ack", response_model=AlertOut)
async def ack_alert(alert_id: str, body: AckIn, runtime: RuntimeDep) -> AlertOut:
    """Acknowledge: no more notifications of this alert until it resolves and returns."""

    def change(record: AlertRecord, now: datetime) -> None:
        if not record.raised:
            raise HTTPException(409, "the alert is resolved; there is nothing to acknowledge")
        record.state = acknowledge(record.state, body.by.strip(), now)
        record.recheck_at = None

    return await _change_alert(runtime, alert_id, change)


@router.post("/alerts/{alert_id}/snooze", response_model=AlertOut)
async def snooze_alert(alert_id: str, body: SnoozeIn, runtime: RuntimeDep) -> AlertOut:
    """Snooze: no notifications of this alert until `until`, even across a re-raise."""

    def change(record: AlertRecord, now: datetime) -> None:
        if body.until <= now:
            raise HTTPException(422, "until must be in the future")
        record.state = snooze(record.state, body.until, now)
        # When the snooze ends, whoever was not told yet is told then.
        record.recheck_at = body.until if record.raised else None

    return await _change_alert(runtime, alert_id, change)


@router.delete("/alerts/{alert_id}/snooze", response_model=AlertOut)
async def unsnooze_alert(alert_id: str, runtime: RuntimeDep) -> AlertOut:
    """End a snooze now."""

    def change(record: AlertRecord, now: datetime) -> None:
        record.state = unsnooze(record.state)
        record.recheck_at = now if record.raised else None

    return await _change_alert(runtime, alert_id, change)


async def _change_alert(runtime: RuntimeDep, alert_id: str, change: Any) -> AlertOut:
    async with runtime.unit_of_work() as uow:
        row = (await uow.session.execute(_by_id(alert_id).with_for_update())).first()
        if row is None:
            raise HTTPException(404, f"no alert {alert_id!r}")
        record = record_from_row(row)
        change(record, uow.now)
        await save_fatigue(uow.session, [record], uow.now)
        updated = (await uow.session.execute(_by_id(record.state.dedup_key))).one()
    wake = runtime.state.get("wake_worker")
    if wake is not None:
        wake()
    return _alert_out(updated, uow.now)


def _by_id(alert_id: str) -> Select[Any]:
    return select(alerts).where(or_(alerts.c.alert_id == alert_id, alerts.c.dedup_key == alert_id))


@router.get("/deliveries", response_model=DeliveryList)
async def list_deliveries(
    session: SessionDep,
    status: DeliveryStatus | None = None,
    channel: Literal["email", "slack"] | None = None,
    limit: Limit = 100,
) -> DeliveryList:
    """The delivery log, newest first, with attempts and the last error."""
    query: Select[Any] = select(deliveries).order_by(deliveries.c.id.desc())
    if status is not None:
        query = query.where(deliveries.c.status == status)
    if channel is not None:
        query = query.where(deliveries.c.channel == channel)
    rows = (await session.execute(query.limit(limit))).all()
    return DeliveryList(
        deliveries=[DeliveryOut.model_validate(row._mapping, from_attributes=False) for row in rows]
    )
