"""Alert records (`alerts`): one row per dedup_key, with its fatigue state, the latest
alert seen and where it was routed. A few bulk statements per call."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, bindparam, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from radar_notifier.domain.alerts import AlertView
from radar_notifier.domain.fatigue import InhibitRule
from radar_notifier.domain.notices import (
    AlertRecord,
    Evaluation,
    inhibits_within_accounts,
)
from radar_notifier.store import notices
from radar_notifier.store.columns import state_columns, state_from_row, view_from_json, view_to_json
from radar_notifier.store.tables import alerts, episodes
from radar_runtime.sql import among


def record_from_row(row: Any) -> AlertRecord:
    mapping = row._mapping
    return AlertRecord(
        state=state_from_row(mapping),
        view=view_from_json(mapping["view"]),
        inhibited_by=mapping["inhibited_by"],
        recheck_at=mapping["recheck_at"],
    )


async def lock_due_rechecks(
    session: AsyncSession, now: datetime, limit: int
) -> dict[str, AlertRecord]:
    """Raised alerts whose recheck time came (a repeat is due, a snooze ended), locked;
    rows another replica holds are skipped."""
    query = (
        select(alerts)
        .where(alerts.c.status == "raised", alerts.c.recheck_at <= now)
        .order_by(alerts.c.dedup_key)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = (await session.execute(query)).all()
    return {row.dedup_key: record_from_row(row) for row in rows}


async def load_records(
    session: AsyncSession,
    *,
    keys: Collection[str],
    raised_in_accounts: Collection[str] = (),
    inhibited_by: Collection[str] = (),
    lock: bool = True,
) -> dict[str, AlertRecord]:
    """Records by dedup_key: the given keys, the raised alerts of the given accounts
    (inhibition sources and targets) and the alerts muted by the given keys.

    Locked in key order, so concurrent writers wait for each other instead of
    deadlocking.
    """
    conditions = [among(alerts.c.dedup_key, keys)]
    if raised_in_accounts:
        conditions.append(
            among(alerts.c.account_id, raised_in_accounts) & (alerts.c.status == "raised")
        )
    if inhibited_by:
        conditions.append(among(alerts.c.inhibited_by, inhibited_by))
    query = select(alerts).where(or_(*conditions)).order_by(alerts.c.dedup_key)
    if lock:
        query = query.with_for_update()
    rows = (await session.execute(query)).all()
    return {row.dedup_key: record_from_row(row) for row in rows}


async def inhibition_sources(
    session: AsyncSession, records: Mapping[str, AlertRecord], rules: Sequence[InhibitRule]
) -> list[AlertView]:
    """The alerts that may mute the records being evaluated: the records themselves
    (loaded with their accounts' raised alerts), and every other raised alert when an
    inhibit rule compares more than accounts."""
    views = [record.active_view() for record in records.values()]
    if not inhibits_within_accounts(rules):
        rows = await session.execute(select(alerts.c.view).where(alerts.c.status == "raised"))
        others = [replace(view_from_json(row.view), resolved=False) for row in rows]
        views += [view for view in others if view.dedup_key not in records]
    return views


async def save_evaluation(session: AsyncSession, evaluation: Evaluation, now: datetime) -> None:
    """The evaluated records and the notices they queued."""
    await save_records(session, evaluation.records, now)
    await notices.queue(session, evaluation.notices)


async def save_records(
    session: AsyncSession, records: Iterable[AlertRecord], now: datetime
) -> None:
    rows = [_columns(record, now) for record in records]
    if not rows:
        return
    statement = insert(alerts)
    updated = {c.name: statement.excluded[c.name] for c in alerts.columns if c.name != "dedup_key"}
    await session.execute(
        statement.on_conflict_do_update(index_elements=[alerts.c.dedup_key], set_=updated), rows
    )


async def save_fatigue(
    session: AsyncSession, records: Sequence[AlertRecord], now: datetime
) -> None:
    """Store what ack, snooze or a dropped notice changed, leaving routing as stored."""
    if not records:
        return
    rows = []
    for record in records:
        columns = {f"b_{k}": v for k, v in state_columns(record.state).items()}
        columns.update(
            b_inhibited_by=record.inhibited_by, b_recheck_at=record.recheck_at, b_updated_at=now
        )
        rows.append(columns)
    names = [k.removeprefix("b_") for k in rows[0] if k != "b_dedup_key"]
    await session.execute(
        update(alerts)
        .where(alerts.c.dedup_key == bindparam("b_dedup_key"))
        .values({name: bindparam(f"b_{name}") for name in names}),
        rows,
    )


def _columns(record: AlertRecord, now: datetime) -> dict[str, Any]:
    view = record.view
    routing = record.routing
    owner_email = view.owner.email.lower() if view.owner and view.owner.email else None
    return {
        **state_columns(record.state),
        "alert_id": view.alert_id,
        "account_id": view.account_id,
        "owner_email": owner_email,
        "rule": view.rule,
        "severity": view.severity.value,
        "title": view.title,
        "view": view_to_json(view),
        "recipients": [
            {"channel": r.key, "route": r.route} for r in (routing.recipients if routing else ())
        ],
        "matched_routes": list(routing.matched_routes) if routing else [],
        "skipped_recipients": [
            {"channel": s.channel, "route": s.route, "reason": s.reason}
            for s in (routing.skipped if routing else ())
        ],
        "inhibited_by": record.inhibited_by,
        "recheck_at": record.recheck_at,
        "updated_at": now,
    }


def state_filter(state: str, now: datetime) -> ColumnElement[bool]:
    """Alerts in an API state: raised (and neither acked nor snoozed), acked, snoozed
    or resolved; as `api.alerts.state_name` names a row."""
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


async def listed(
    session: AsyncSession,
    *,
    now: datetime,
    state: str | None,
    owner: str | None,
    account: Collection[str],
    notified: bool | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> Sequence[Row[Any]]:
    """Alerts, most recently changed first, from after the (updated_at, dedup_key) of
    the previous page's last row."""
    query = _shown().order_by(alerts.c.updated_at.desc(), alerts.c.dedup_key)
    if notified is not None:
        told = episodes.c.notified_at
        query = query.where(told.is_not(None) if notified else told.is_(None))
    if after is not None:
        at, key = after
        query = query.where(
            or_(
                alerts.c.updated_at < at,
                and_(alerts.c.updated_at == at, alerts.c.dedup_key > key),
            )
        )
    if state is not None:
        query = query.where(state_filter(state, now))
    if owner is not None:
        query = query.where(alerts.c.owner_email == owner)
    if account:
        query = query.where(alerts.c.account_id.in_(account))
    return (await session.execute(query.limit(limit))).all()


async def by_id(session: AsyncSession, alert_id: str, *, lock: bool = False) -> Row[Any] | None:
    """An alert by its alert_id or its dedup_key, or by the alert_id of an earlier episode
    (a delivery names the id it told, which a later episode of the condition replaces)."""
    match = or_(alerts.c.alert_id == alert_id, alerts.c.dedup_key == alert_id)
    for where in (match, alerts.c.dedup_key.in_(_told_as(alert_id))):
        query = _shown().where(where)
        if lock:
            query = query.with_for_update(of=alerts)
        row = (await session.execute(query)).first()
        if row is not None:
            return row
    return None


def _told_as(alert_id: str) -> Select[Any]:
    return select(episodes.c.dedup_key).where(episodes.c.alert_id == alert_id).limit(1)


def _shown() -> Select[Any]:
    """Alert rows with when their current episode was first told (`notified_at`)."""
    current = and_(
        episodes.c.dedup_key == alerts.c.dedup_key,
        episodes.c.raised_at == alerts.c.first_raised_at,
    )
    return select(alerts, episodes.c.notified_at).select_from(alerts.outerjoin(episodes, current))
