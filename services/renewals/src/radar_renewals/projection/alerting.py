"""Raising, resolving and re-showing renewal alerts: the events emitted and the rows kept.

Stamps only move forward per dedup key, so a consumer that orders an alert's events by
time (and takes a resolve older than the latest raise for stale) ends where this service
is: a raise is stamped after the key's last resolve, an update after the latest raise
event (`stamped_at`), a resolve no earlier than it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from radar_renewals.domain.alerts import Condition
from radar_renewals.domain.evaluation import Evaluation
from radar_renewals.domain.outgoing import alert_for, raised, resolved, updated
from radar_renewals.store.accounts import load_people
from radar_renewals.store.alerts import (
    alert_payloads,
    last_resolved,
    update_alerts,
    write_alerts,
)
from radar_runtime import UnitOfWork
from radar_runtime.metrics import ALERTS_RAISED, ALERTS_RESOLVED

SERVICE = "renewals"
_TICK = timedelta(microseconds=1)
# What a re-shown alert must change to be sent again: who and what it names.
_NAMING = ("title", "account_name", "owner", "manager")


async def write_alert_changes(
    uow: UnitOfWork,
    raised_now: Sequence[tuple[Condition, Evaluation, datetime]],
    resolved_now: Sequence[tuple[Any, datetime, str | None]],
    renamed: Sequence[tuple[Condition, Evaluation, datetime, Any]],
) -> None:
    session = uow.session
    accounts = {e.term.account_id for _, e, _ in raised_now} | {
        e.term.account_id for _, e, _, _ in renamed
    }
    people = await load_people(session, accounts)
    resolved_before = await last_resolved(session, [c.dedup_key for c, _, _ in raised_now])
    raised_rows = []
    for condition, evaluation, stamp in raised_now:
        before = resolved_before.get(condition.dedup_key)
        at = stamp if before is None or stamp > before else before + _TICK
        term = evaluation.term
        alert = alert_for(condition, evaluation, people.get(term.account_id), at)
        uow.emit(raised(alert, term.account_id, at))
        raised_rows.append(
            {
                "dedup_key": alert.dedup_key,
                "subscription_id": term.subscription_id,
                "account_id": term.account_id,
                "rule": alert.rule,
                "severity": alert.severity,
                "raised_at": at,
                "stamped_at": at,
                "alert": alert.model_dump(mode="json"),
            }
        )
    payloads = await alert_payloads(
        session, [row.dedup_key for row, _, _ in resolved_now] + [r.dedup_key for *_, r in renamed]
    )
    for row, at, why in resolved_now:
        uow.emit(resolved(payloads[row.dedup_key], row.account_id, at, why))
    await write_alerts(session, raised_rows, [(row.dedup_key, at) for row, at, _ in resolved_now])
    await _show_again(uow, renamed, payloads, people)
    if raised_now or resolved_now:
        raised_labels = [(c.rule.value, c.severity.value) for c, _, _ in raised_now]
        resolved_rules = [row.rule for row, _, _ in resolved_now]
        uow.after_commit(lambda: _count(raised_labels, resolved_rules))


async def _show_again(
    uow: UnitOfWork,
    renamed: Sequence[tuple[Condition, Evaluation, datetime, Any]],
    payloads: dict[str, Any],
    people: dict[str, Any],
) -> None:
    """Open alerts raised before their account was known (or since renamed or handed to
    another owner) are sent again, same alert id, naming the account and its people."""
    updates = []
    for condition, evaluation, at, row in renamed:
        term = evaluation.term
        alert = alert_for(condition, evaluation, people.get(term.account_id), row.raised_at)
        shown = alert.model_dump(mode="json")
        stored = payloads[row.dedup_key]
        if all(shown.get(name) == stored.get(name) for name in _NAMING):
            continue
        stamp = max(at, row.stamped_at + _TICK)  # newer than what it replaces
        uow.emit(updated(alert, term.account_id, stamp))
        updates.append({"key": row.dedup_key, "new_alert": shown, "new_stamp": stamp})
    await update_alerts(uow.session, updates)


def _count(raised_labels: list[tuple[str, str]], resolved_rules: list[str]) -> None:
    """Counted once committed, so a rolled-back batch counts nothing."""
    for rule, severity in raised_labels:
        ALERTS_RAISED.labels(SERVICE, rule, severity).inc()
    for rule in resolved_rules:
        ALERTS_RESOLVED.labels(SERVICE, rule).inc()
