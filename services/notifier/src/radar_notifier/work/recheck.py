"""Alerts whose recheck time came: a repeat_interval elapsed or a snooze ended.

No event arrives for an alert that simply stays raised, so time has to be asked:
the worker re-evaluates those alerts and queues the notices that are now due.
"""

from __future__ import annotations

from datetime import datetime

from radar_notifier.domain.notices import Evaluation, NoticeRules, evaluate_all
from radar_notifier.store import alerts, renewals
from radar_runtime import UnitOfWork

MAX_RECHECKS_PER_RUN = 500


async def recheck_due_alerts(uow: UnitOfWork, rules: NoticeRules, now: datetime) -> Evaluation:
    session = uow.session
    due = await alerts.lock_due_rechecks(session, now, MAX_RECHECKS_PER_RUN)
    if not due:
        return Evaluation()
    # The other raised alerts of these accounts, as possible inhibitors (not locked).
    records = await alerts.load_records(
        session,
        keys=(),
        raised_in_accounts={r.view.account_id for r in due.values()},
        lock=False,
    )
    records.update(due)
    sources = await alerts.inhibition_sources(session, records, rules.inhibit_rules)
    former = await renewals.former_customers_among(
        session, {r.view.account_id for r in due.values()}
    )
    evaluation = evaluate_all(records, {}, due, sources, now, rules, former)
    await alerts.save_evaluation(session, evaluation, now)
    return evaluation
