"""`alert.raised` and `alert.resolved` → alert records, routing, fatigue decisions and
queued notices.

One batch is a handful of statements: lock the records it touches (plus the raised
alerts of its accounts, for inhibition), fold the events in, evaluate, upsert the
records, insert the queued notices. The delivery worker is woken after commit.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from radar_notifier import metrics
from radar_notifier.domain.alerts import AlertView, Driver, Person
from radar_notifier.domain.notices import (
    NoticeRules,
    apply_alerts,
    evaluate_all,
    lifted_inhibitions,
)
from radar_notifier.store import alerts, episodes, notices, renewals
from radar_runtime import UnitOfWork
from radar_schemas import derived
from radar_schemas.common import Person as WirePerson
from radar_schemas.envelope import Envelope

log = logging.getLogger(__name__)

AlertEvent = derived.AlertRaisedEvent | derived.AlertResolvedEvent


class AlertProjector:
    def __init__(self, rules: NoticeRules, wake: Callable[[], None]) -> None:
        self._rules = rules
        self._wake = wake

    async def __call__(self, uow: UnitOfWork, events: list[Envelope]) -> None:
        views = _views(events)
        if not views:
            return
        session = uow.session
        records = await alerts.load_records(
            session,
            keys={v.dedup_key for v in views},
            raised_in_accounts={v.account_id for v in views},
            inhibited_by={v.dedup_key for v in views},
        )
        caused_at = apply_alerts(records, views)
        also = lifted_inhibitions(records, caused_at)
        sources = await alerts.inhibition_sources(session, records, self._rules.inhibit_rules)
        former = await renewals.former_customers_among(
            session, {r.view.account_id for r in records.values()}
        )
        evaluation = evaluate_all(records, caused_at, also, sources, uow.now, self._rules, former)
        await alerts.save_evaluation(session, evaluation, uow.now)
        await episodes.save(session, evaluation.records, uow.now)
        if any(self._rules.history.is_late(view.occurred_at, uow.now) for view in views):
            # History is still arriving: the notices it queued keep waiting.
            await notices.note_history_arrived(session, uow.now)
        uow.after_commit(self._wake)
        uow.after_commit(lambda: metrics.count_suppressed(evaluation.suppressed))


def _views(events: list[Envelope]) -> list[AlertView]:
    views = []
    for event in events:
        try:
            views.append(view_from_event(event))  # type: ignore[arg-type]  # routed by type
        except (ValueError, TypeError) as error:
            # One malformed alert must not hold back the batch; it is logged and counted.
            log.warning(
                "alert event skipped",
                extra={"event_id": str(event.event_id), "error": str(error)},
            )
            metrics.ALERTS_SKIPPED.inc()
    return views


def view_from_event(event: AlertEvent) -> AlertView:
    alert = event.payload
    return AlertView(
        alert_id=alert.alert_id,
        rule=alert.rule,
        severity=alert.severity,
        dedup_key=alert.dedup_key,
        title=alert.title,
        summary=alert.summary,
        account_id=event.account_id,
        account_name=alert.account_name or event.account_id,
        segment=alert.segment,
        region=alert.region,
        occurred_at=event.occurred_at,
        drivers=tuple(
            Driver(name=d.name, value=d.value, explanation=d.explanation) for d in alert.drivers
        ),
        recommended_actions=tuple(alert.recommended_actions),
        owner=_person(alert.owner),
        manager=_person(alert.manager),
        arr=alert.arr,
        currency=alert.currency,
        subscription_id=alert.subscription_id,
        renewal_date=alert.renewal_date,
        health_score=alert.health_score,
        risk_score=alert.risk_score,
        resolved=isinstance(event, derived.AlertResolvedEvent),
    )


def _person(person: WirePerson | None) -> Person | None:
    if person is None:
        return None
    return Person(name=person.name, email=person.email, slack_id=person.slack_id)
