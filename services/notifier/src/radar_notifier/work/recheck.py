"""Alerts whose recheck time came: a repeat_interval elapsed or a snooze ended.

No event arrives for an alert that simply stays raised, so time has to be asked:
the worker re-evaluates those alerts and queues the notices that are now due.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from radar_notifier.domain.notices import Evaluation, NoticeRules, evaluate_all
from radar_notifier.store.alerts import (
    inhibition_sources,
    load_records,
    record_from_row,
    save_evaluation,
)
from radar_notifier.store.tables import alerts
from radar_runtime import UnitOfWork

MAX_RECHECKS_PER_RUN = 500


async def recheck_due_alerts(uow: UnitOfWork, rules: NoticeRules, now: datetime) -> Evaluation:
    query = (
        select(alerts)
        .where(alerts.c.status == "raised", alerts.c.recheck_at <= now)
        .order_by(alerts.c.dedup_key)
        .limit(MAX_RECHECKS_PER_RUN)
        .with_for_update(skip_locked=True)
    )
    due = {row.dedup_key: record_from_row(row) for row in (await uow.session.execute(query)).all()}
    if not due:
        return Evaluation()
    # The other raised alerts of these accounts, as possible inhibitors (not locked).
    records = await load_records(
        uow.session,
        keys=(),
        raised_in_accounts={r.view.account_id for r in due.values()},
        lock=False,
    )
    records.update(due)
    sources = await inhibition_sources(uow.session, records, rules.inhibit_rules)
    evaluation = evaluate_all(records, {}, due, sources, now, rules)
    await save_evaluation(uow.session, evaluation, now)
    return evaluation
