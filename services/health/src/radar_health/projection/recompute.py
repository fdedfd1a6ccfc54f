"""Recompute a chunk of accounts inside a unit of work: lock, read, assess, store, emit.

Used by the consumer (accounts touched by CRM and support events), the usage worker,
the scheduled recompute of every account, and the override API. The health rows are
locked first, in account order, so concurrent recomputes of one account take turns
and see each other's results.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from radar_health import metrics
from radar_health.domain.alerts import Resolution
from radar_health.domain.assess import AccountFacts, StoredAlert, StoredHealth, assess
from radar_health.domain.events import (
    raised_alert,
    rerendered_alert,
    resolved_alert,
    scored_event,
)
from radar_health.rules import HealthRules
from radar_health.store.facts import FactsReader
from radar_health.store.health import (
    Emitted,
    HealthRow,
    HistoryPoint,
    close_alerts,
    lock_health,
    open_new_alerts,
    read_open_alerts,
    read_past_scores,
    replace_alert_payloads,
    stored_components,
    write_health,
    write_history,
)
from radar_health.store.queue import enqueue
from radar_runtime import Batch, UnitOfWork
from radar_runtime.metrics import ALERTS_RAISED, ALERTS_RESOLVED
from radar_schemas.envelope import Envelope

from .usage import USAGE_RECORDED

log = logging.getLogger(__name__)
YIELD_EVERY = 100  # accounts assessed between turns given to the event loop


@dataclass
class RecomputeResult:
    accounts: int = 0
    scored_events: int = 0
    raised: list[tuple[str, str]] = field(default_factory=list)  # (rule, severity)
    resolved: list[str] = field(default_factory=list)  # rule
    failed: int = 0

    def add(self, other: RecomputeResult) -> None:
        self.accounts += other.accounts
        self.scored_events += other.scored_events
        self.raised += other.raised
        self.resolved += other.resolved
        self.failed += other.failed


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one account's recompute at one instant stores and emits."""

    row: HealthRow
    point: HistoryPoint | None
    events: list[Envelope]  # in emission order
    resolutions: list[Resolution]
    opened: list[StoredAlert]
    rerendered: list[StoredAlert]


class Recomputer:
    def __init__(self, rules: HealthRules, service: str = "health") -> None:
        self.rules = rules
        self._service = service
        self.facts = FactsReader(rules)

    async def recompute_touched(self, uow: UnitOfWork, batch: Batch) -> None:
        """After a batch: the accounts of its CRM and support events are recomputed in its
        transaction, so their health.scored and alerts leave with it; accounts with only
        usage are queued for the usage worker."""
        now = {e.account_id for e in batch.events if e.type != USAGE_RECORDED}
        later = {e.account_id for e in batch.of([USAGE_RECORDED])} - now
        await enqueue(uow.session, later)
        if now:
            await self.recompute(uow, sorted(now))

    async def recompute(
        self,
        uow: UnitOfWork,
        account_ids: Sequence[str],
        *,
        as_of: datetime | None = None,
        record_history: bool = False,
        announce: bool = False,
    ) -> RecomputeResult:
        """`record_history`: add a history point for every scored account (the daily pass),
        not only for those whose health.scored is emitted; `announce`: emit health.scored
        for every account (see `assess`)."""
        as_of = as_of or uow.now
        ids = sorted(set(account_ids))
        result = RecomputeResult()
        if not ids:
            return result
        session = uow.session
        stored = await lock_health(session, ids)
        facts = await self.facts.read(session, ids, as_of)
        ids = [i for i in ids if i in facts and i in stored]
        past = await read_past_scores(session, ids, as_of, self.rules.alerts.trend_lookback_days)
        alerts = await read_open_alerts(session, ids)

        health_rows: list[HealthRow] = []
        history: list[HistoryPoint] = []
        closing: list[str] = []
        opening: list[StoredAlert] = []
        rerendered: list[StoredAlert] = []
        for done, account_id in enumerate(ids):
            if done % YIELD_EVERY == 0:
                await asyncio.sleep(0)  # a big batch lets the heartbeat and the API in
            try:
                outcome = self.outcome(
                    facts[account_id],
                    stored[account_id],
                    past.get(account_id, []),
                    alerts.get(account_id, {}),
                    as_of,
                    computed_at=uow.now,
                    announce=announce,
                )
            except Exception:
                # One account's bad data must not hold up the others; it is retried on
                # its next event and by the scheduled recompute.
                log.exception("health recompute failed", extra={"account_id": account_id})
                result.failed += 1
                metrics.RECOMPUTE_FAILURES.inc()
                continue
            result.accounts += 1
            health_rows.append(outcome.row)
            if outcome.point is not None and (record_history or outcome.row.emitted):
                history.append(outcome.point)
            for event in outcome.events:
                uow.emit(event)
            if outcome.row.emitted is not None:
                result.scored_events += 1
            closing += [r.alert.dedup_key for r in outcome.resolutions]
            result.resolved += [r.alert.rule for r in outcome.resolutions]
            opening += outcome.opened
            rerendered += outcome.rerendered
            result.raised += [(a.alert.rule, a.alert.severity.value) for a in outcome.opened]

        await write_health(session, health_rows)
        await write_history(session, history)
        await close_alerts(session, closing)
        await open_new_alerts(session, opening)
        await replace_alert_payloads(session, rerendered)
        uow.after_commit(lambda: self._count(result))
        return result

    def outcome(
        self,
        facts: AccountFacts,
        stored: StoredHealth,
        past: list[tuple[datetime, float]],
        alerts: dict[str, StoredAlert],
        as_of: datetime,
        *,
        computed_at: datetime,
        judge: bool = True,
        announce: bool = False,
    ) -> Outcome:
        """Everything one account's recompute stores and emits, built before any of it is
        (`judge`, `announce`: see `assess`)."""
        card = self.rules.scorecard.for_segment(facts.signals.segment)
        assessment = assess(
            facts,
            stored,
            past,
            alerts,
            card,
            self.rules.alerts,
            as_of,
            judge=judge,
            announce=announce,
        )
        computed, effective = assessment.computed, assessment.effective
        events: list[Envelope] = []
        emitted = None
        if assessment.emit_scored:
            events.append(scored_event(facts, stored, assessment, as_of, computed_at))
            assert effective.score is not None and effective.band is not None
            emitted = Emitted(
                effective.score,
                effective.band.value,
                assessment.override_fingerprint,
                assessment.open_escalations,
            )
        # Resolutions first: a superseded alert is resolved before its successor is raised.
        resolutions = list(assessment.changes.resolved)
        events += [resolved_alert(alerts[r.alert.dedup_key], r) for r in resolutions]
        opened = []
        for condition in assessment.changes.raised:
            alert, event = raised_alert(condition, facts, effective.score, as_of)
            opened.append(alert)
            events.append(event)
        rerendered = []
        for condition in assessment.changes.held:
            shown = rerendered_alert(
                alerts[condition.dedup_key], condition, facts, effective.score, as_of
            )
            if shown is not None:
                rerendered.append(shown[0])
                events.append(shown[1])
        components, missing = stored_components(computed)
        row = HealthRow(
            account_id=facts.signals.account_id,
            as_of=as_of,
            score=computed.score,
            band=computed.band.value if computed.band else None,
            scorecard=computed.scorecard,
            components=components,
            missing=missing,
            emitted=emitted,
            judged=assessment.judged,
        )
        point = None
        if computed.score is not None and computed.band is not None:
            point = HistoryPoint(
                account_id=row.account_id,
                at=as_of,
                score=computed.score,
                band=computed.band.value,
                effective_score=effective.score,
                effective_band=effective.band.value if effective.band else None,
            )
        return Outcome(row, point, events, resolutions, opened, rerendered)

    def _count(self, result: RecomputeResult) -> None:
        for rule, severity in result.raised:
            ALERTS_RAISED.labels(self._service, rule, severity).inc()
        for rule in result.resolved:
            ALERTS_RESOLVED.labels(self._service, rule).inc()
        metrics.ACCOUNTS_RECOMPUTED.inc(result.accounts)
