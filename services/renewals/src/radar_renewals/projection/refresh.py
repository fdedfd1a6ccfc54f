"""Re-deriving subscriptions from their facts: the one write path of the projection.

New facts (each batch's last step) and a new day (the transitions job) both land here.
For each subscription: derive its terms, evaluate them as of today, store the rows that
changed, emit `renewal.state_changed` where the state or risk band moved, and raise or
resolve its renewal alerts. Everything runs in the caller's unit of work, so the rows, the
alert book-keeping and the emitted events commit together or not at all.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from radar_renewals.domain.alerts import (
    Condition,
    churned_on,
    conditions_for,
    dedup_key,
    diff_alerts,
)
from radar_renewals.domain.chain import derive_terms
from radar_renewals.domain.evaluation import Evaluation, Evaluator
from radar_renewals.domain.facts import Facts, latest_health
from radar_renewals.domain.outgoing import resolution_note, state_changed
from radar_renewals.domain.terms import OPEN_STATES, State
from radar_renewals.projection.alerting import write_alert_changes
from radar_renewals.store.accounts import lock_accounts
from radar_renewals.store.alerts import active_alerts_of
from radar_renewals.store.changes import write_changes
from radar_renewals.store.facts import load_facts
from radar_renewals.store.term_rows import TermRows, term_rows
from radar_renewals.store.terms import StoredTerm, stored_terms, write_terms
from radar_runtime import UnitOfWork
from radar_runtime.sql import plan_each_run
from radar_schemas.common import AlertRule

log = logging.getLogger(__name__)


@dataclass
class _Plan:
    """What one refresh writes and emits."""

    changed: list[TermRows] = field(default_factory=list)
    reevaluated: list[TermRows] = field(default_factory=list)
    stale: list[tuple[str, date]] = field(default_factory=list)
    changes: list[tuple[Evaluation, StoredTerm | None, datetime]] = field(default_factory=list)
    raised: list[tuple[Condition, Evaluation, datetime]] = field(default_factory=list)
    resolved: list[tuple[Any, datetime, str | None]] = field(default_factory=list)
    # Still-open alerts of subscriptions whose account facts (name, owner) arrived.
    renamed: list[tuple[Condition, Evaluation, datetime, Any]] = field(default_factory=list)


class Refresher:
    def __init__(self, evaluator: Evaluator) -> None:
        self.evaluator = evaluator

    async def refresh(
        self,
        uow: UnitOfWork,
        subscription_ids: Collection[str],
        *,
        locked: Collection[str] = (),
        causes: Mapping[str, datetime] | None = None,
        signals_only: Collection[str] = frozenset(),
        renamed: Collection[str] = frozenset(),
        risk_held: Collection[str] = frozenset(),
    ) -> int:
        """Re-derive these subscriptions as of the clock's today; returns terms rewritten.

        `causes` gives, per subscription, the time of the newest event behind the
        refresh: the `occurred_at` of what it emits (the clock's now otherwise).
        `signals_only` are subscriptions whose only news is their account's health or
        contacts: their closed terms cannot have changed and are skipped.
        `renamed` are subscriptions whose account's facts arrived: their open alerts are
        shown again with the account's name and people, when those changed.
        `locked` are the accounts the caller already holds (`lock_accounts`): it must
        lock those it wrote facts for before it chose the subscriptions.
        `risk_held` are accounts whose health is history being loaded: their terms keep
        their at-risk verdicts (`domain.alerts.at_risk`), as do those of an account whose
        newest score is provisional, whatever brought the refresh.
        """
        if not subscription_ids:
            return 0
        ids = sorted(set(subscription_ids))
        session = uow.session
        await plan_each_run(session)  # its reads take thousands of ids at once
        today = uow.now.astimezone(UTC).date()
        facts = await _locked_facts(session, ids, locked)
        stored = await stored_terms(session, ids)
        active = await active_alerts_of(session, ids)
        plan = _Plan()
        for subscription_id in ids:
            at = (causes or {}).get(subscription_id, uow.now)
            try:
                self._plan_one(
                    subscription_id,
                    facts,
                    stored.get(subscription_id, {}),
                    active.get(subscription_id, {}),
                    today,
                    at,
                    plan,
                    skip_closed=subscription_id in signals_only,
                    renamed=subscription_id in renamed,
                    risk_held=risk_held,
                )
            except Exception:
                # One subscription's bad data must not block the others: its stored
                # rows stay as they were and the next fact or day retries it.
                log.exception(
                    "could not re-derive subscription", extra={"subscription": subscription_id}
                )
        await self._write(uow, plan)
        return len(plan.changed)

    def _plan_one(
        self,
        subscription_id: str,
        facts: Facts,
        stored: dict[date, StoredTerm],
        active: dict[str, Any],
        today: date,
        at: datetime,
        plan: _Plan,
        *,
        skip_closed: bool = False,
        renamed: bool = False,
        risk_held: Collection[str] = frozenset(),
    ) -> None:
        subscription = facts.subscriptions[subscription_id]
        account = facts.account_of(subscription)
        newest_health = latest_health(account.health, None)
        held = account.account_id in risk_held or bool(newest_health and newest_health.provisional)
        terms = derive_terms(subscription, account)
        last = terms[-1].start_date if terms else None
        evaluations, kept_alerts = [], set()
        for term in terms:
            if skip_closed and _closed(stored.get(term.start_date)):
                # Unchanged, and so is its alert: the only one a closed term can have.
                kept_alerts.add(dedup_key(AlertRule.RENEWAL_CHURNED, term))
            else:
                evaluations.append(self.evaluator.evaluate(term, today))
        active = {key: row for key, row in active.items() if key not in kept_alerts}
        conditions = self._conditions(evaluations, active, today, held=held)
        at_risk_keys = {c.dedup_key for c, _ in conditions if c.rule is AlertRule.RENEWAL_AT_RISK}
        changed, reevaluated, changes = [], [], []
        for evaluation in evaluations:
            term = evaluation.term
            rows = term_rows(
                evaluation,
                is_current=term.start_date == last,
                at_risk=dedup_key(AlertRule.RENEWAL_AT_RISK, term) in at_risk_keys,
                model_category=evaluation.model_category(self.evaluator.policy.forecast),
            )
            before = stored.get(term.start_date)
            if before is None or before.content_hash != rows.content_hash:
                changed.append(rows)
            elif before.evaluated_on != today:
                reevaluated.append(rows)
            if (
                before is None
                or before.state != evaluation.state.value
                or before.risk_band != evaluation.risk.band.value
            ):
                changes.append((evaluation, before, at))
        diff = diff_alerts(active, [condition for condition, _ in conditions])
        evaluation_of = {condition.dedup_key: evaluation for condition, evaluation in conditions}
        starts = {term.start_date for term in terms}
        plan.changed += changed
        plan.reevaluated += reevaluated
        plan.stale += [(subscription_id, start) for start in stored if start not in starts]
        plan.changes += changes
        # Never stamped before the condition could hold, nor a resolve before its raise:
        # an old event revealing a condition today stamps it when it began to hold.
        plan.raised += [(c, evaluation_of[c.dedup_key], max(at, c.holds_from)) for c in diff.raised]
        plan.resolved += [
            (active[key], max(at, active[key].stamped_at), self._why(active[key], evaluations))
            for key in diff.resolved
        ]
        if renamed:
            plan.renamed += [
                (condition, evaluation_of[condition.dedup_key], at, active[condition.dedup_key])
                for condition, _ in conditions
                if condition.dedup_key in active
            ]

    @staticmethod
    def _why(row: Any, evaluations: list[Evaluation]) -> str | None:
        """Why an open alert (an `active_alerts` row) resolves: see `resolution_note`."""
        rule = AlertRule(row.rule)
        evaluation = next(
            (
                e
                for e in evaluations
                if e.term.subscription_id == row.subscription_id
                and row.dedup_key.startswith(dedup_key(rule, e.term))
            ),
            None,
        )
        return resolution_note(rule, evaluation)

    def _conditions(
        self,
        evaluations: list[Evaluation],
        active: Collection[str],
        today: date,
        *,
        held: bool = False,
    ) -> list[tuple[Condition, Evaluation]]:
        policy = self.evaluator.policy
        max_age = policy.alerts.churned_max_age_days
        found = []
        for evaluation in evaluations:
            term = evaluation.term
            for condition in conditions_for(
                term, evaluation.risk, today, policy, active_keys=active, risk_held=held
            ):
                stale_churn = (
                    condition.rule is AlertRule.RENEWAL_CHURNED
                    and condition.dedup_key not in active
                    and (today - churned_on(term, policy)).days > max_age
                )
                if not stale_churn:
                    found.append((condition, evaluation))
        return found

    async def _write(self, uow: UnitOfWork, plan: _Plan) -> None:
        session = uow.session
        await write_terms(
            session, changed=plan.changed, reevaluated=plan.reevaluated, stale=plan.stale
        )
        history = []
        for evaluation, before, at in plan.changes:
            previous = State(before.state) if before else None
            uow.emit(state_changed(evaluation, previous, at, uow.now))
            history.append(
                {
                    "subscription_id": evaluation.term.subscription_id,
                    "term_start": evaluation.term.start_date,
                    "at": at,
                    "state": evaluation.state.value,
                    "previous_state": before.state if before else None,
                    "risk_score": evaluation.risk.score,
                    "risk_band": evaluation.risk.band.value,
                    "previous_risk_band": before.risk_band if before else None,
                    "p_renew": evaluation.p_renew,
                }
            )
        await write_changes(session, history)
        await write_alert_changes(uow, plan.raised, plan.resolved, plan.renamed)


async def _locked_facts(session: AsyncSession, ids: list[str], locked: Collection[str]) -> Facts:
    """The facts of these subscriptions, read while their accounts are locked.

    An account's facts can reach two replicas at once (its CRM events one, its health
    the other): each re-derives the account's subscriptions only while it holds the
    account, so the second to get it reads what the first committed. The caller holds
    the accounts it knows of; one the facts name besides (a subscription moved between
    accounts) is locked here, and the facts are read again under it.
    """
    facts = await load_facts(session, ids)
    missing = facts.accounts.keys() - set(locked)  # the accounts the terms name
    if missing:
        await lock_accounts(session, missing)
        facts = await load_facts(session, ids)
    return facts


def _closed(stored: StoredTerm | None) -> bool:
    return stored is not None and stored.state not in _OPEN_VALUES


_OPEN_VALUES = frozenset(state.value for state in OPEN_STATES)
