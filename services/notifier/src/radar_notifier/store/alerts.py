"""Reading and writing alert records and queued notices: a few bulk statements per call."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from radar_notifier.domain.alerts import AlertView
from radar_notifier.domain.fatigue import InhibitRule
from radar_notifier.domain.notices import (
    AlertRecord,
    Evaluation,
    NewNotice,
    inhibits_within_accounts,
)
from radar_notifier.store.columns import state_columns, state_from_row, view_from_json, view_to_json
from radar_notifier.store.tables import alerts, pending_notifications
from radar_runtime.sql import among


def record_from_row(row: Any) -> AlertRecord:
    mapping = row._mapping
    return AlertRecord(
        state=state_from_row(mapping),
        view=view_from_json(mapping["view"]),
        inhibited_by=mapping["inhibited_by"],
        recheck_at=mapping["recheck_at"],
    )


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
    await queue_notices(session, evaluation.notices)


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


async def queue_notices(session: AsyncSession, notices: Sequence[NewNotice]) -> None:
    if not notices:
        return
    rows = [
        {
            "id": n.id,
            "recipient_key": n.recipient.key,
            "recipient_kind": n.recipient.kind.value,
            "recipient_address": n.recipient.address,
            "route": n.recipient.route,
            "dedup_key": n.alert.dedup_key,
            "notice": n.notice.value,
            "alert": view_to_json(n.alert),
            "enqueued_at": n.enqueued_at,
            "occurred_at": n.occurred_at,
            "previous_notified_at": n.previous_notified_at,
            "status": "waiting",
        }
        for n in notices
    ]
    # Ids are derived from the state evaluated, so evaluating twice queues once.
    await session.execute(
        insert(pending_notifications).on_conflict_do_nothing(
            index_elements=[pending_notifications.c.id]
        ),
        rows,
    )
