"""`cs.alerts.v1` → alert state, routing, fatigue decisions and queued notices.

One batch is a handful of statements: lock the records it touches (plus the raised
alerts of its accounts, for inhibition), fold the events in, evaluate, upsert the
records, insert the queued notices. The delivery worker is woken after commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from radar_notifier import metrics
from radar_notifier.config import NotifierConfig
from radar_notifier.domain.alerts import AlertView
from radar_notifier.domain.fatigue import apply_alert
from radar_notifier.domain.notices import ActiveAlerts, AlertRecord, Evaluation, evaluate
from radar_notifier.store.alerts import (
    load_raised_views,
    load_records,
    queue_notices,
    save_records,
)
from radar_notifier.store.columns import AlertEvent, is_alert_event, view_from_event
from radar_runtime import UnitOfWork
from radar_schemas.envelope import Envelope

log = logging.getLogger(__name__)


class AlertHandler:
    def __init__(self, cfg: NotifierConfig, wake: Callable[[], None]) -> None:
        self._cfg = cfg
        self._wake = wake

    async def __call__(self, uow: UnitOfWork, events: Sequence[Envelope]) -> None:
        views = _views(events)
        if not views:
            return
        records = await load_records(
            uow.session,
            keys={v.dedup_key for v in views},
            raised_in_accounts={v.account_id for v in views},
            inhibited_by={v.dedup_key for v in views},
        )
        caused_at: dict[str, datetime] = {}
        for view in views:
            record = records.get(view.dedup_key)
            if record is None:
                records[view.dedup_key] = AlertRecord(state=apply_alert(None, view), view=view)
            else:
                record.state = apply_alert(record.state, view)
                if _newer(view, record.view):
                    record.view = view
            caused_at[view.dedup_key] = records[view.dedup_key].view.occurred_at
        # Alerts a now-resolved alert was muting get their turn again.
        lifted = {
            key
            for key, record in records.items()
            if record.inhibited_by is not None
            and not _is_raised(records.get(record.inhibited_by), record.inhibited_by, caused_at)
        }
        evaluation = await evaluate_records(
            uow.session, records, caused_at, lifted, uow.now, self._cfg
        )
        uow.after_commit(self._wake)
        uow.after_commit(lambda: metrics.count_suppressed(evaluation.suppressed))


def _views(events: Sequence[Envelope]) -> list[AlertView]:
    views = []
    for event in events:
        if not is_alert_event(event):
            continue
        try:
            views.append(view_from_event(_as_alert(event)))
        except (ValueError, TypeError) as error:
            # One malformed alert must not hold back the batch; it is logged and counted.
            log.warning(
                "alert event skipped",
                extra={"event_id": str(event.event_id), "error": str(error)},
            )
            metrics.ALERTS_SKIPPED.inc()
    return views


def _as_alert(event: Envelope) -> AlertEvent:
    assert is_alert_event(event)
    return event  # type: ignore[return-value]


def _newer(candidate: AlertView, current: AlertView) -> bool:
    # As `apply_alert`: the newest event wins; a resolve beats a raise at the same instant.
    if candidate.occurred_at != current.occurred_at:
        return candidate.occurred_at > current.occurred_at
    return candidate.resolved or not current.resolved


def _is_raised(record: AlertRecord | None, key: str, touched: Mapping[str, datetime]) -> bool:
    # An inhibitor this batch did not touch is left as it was.
    if key not in touched:
        return True
    return record is not None and record.raised


async def evaluate_records(
    session: AsyncSession,
    records: dict[str, AlertRecord],
    caused_at: Mapping[str, datetime],
    also: set[str],
    now: datetime,
    cfg: NotifierConfig,
) -> Evaluation:
    """Evaluate the records in `caused_at` (event-caused) and `also` (time-caused),
    then store them and the notices they queue."""
    views = [record.active_view() for record in records.values()]
    if any("account_id" not in rule.equal for rule in cfg.inhibit_rules):
        loaded = set(records)
        views += [v for v in await load_raised_views(session) if v.dedup_key not in loaded]
    active = ActiveAlerts(views, cfg)
    evaluation = Evaluation()
    keys = sorted(set(caused_at) | also)
    for key in keys:
        evaluate(records[key], active, now, cfg, evaluation, caused_at=caused_at.get(key))
    await save_records(session, [records[key] for key in keys], now)
    await queue_notices(session, evaluation.notices)
    return evaluation
