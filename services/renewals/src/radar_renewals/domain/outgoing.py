"""The events the service emits: `renewal.state_changed`, `alert.raised`, `alert.resolved`.

Event ids are uuid5 of what caused them, so work repeated after a crash emits the
same ids and consumers drop the copies.
"""

from datetime import datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from radar_renewals.domain.alerts import Condition
from radar_renewals.domain.evaluation import Evaluation
from radar_renewals.domain.risk import Driver as DomainDriver
from radar_renewals.domain.terms import State, days_to_renewal
from radar_schemas.common import AlertRule, Person
from radar_schemas.derived import (
    MAX_ITEMS,
    Alert,
    AlertRaisedEvent,
    AlertResolvedEvent,
    Driver,
    RenewalStateChangedEvent,
)

NAMESPACE = uuid5(NAMESPACE_URL, "https://renewal-radar.dev/renewals")
TITLE_LIMIT = 256
TEXT_LIMIT = 2000
VALUE_LIMIT = 256


def event_id(*parts: object) -> UUID:
    return uuid5(NAMESPACE, "|".join(str(part) for part in parts))


def driver_json(driver: DomainDriver) -> dict[str, Any]:
    """A domain driver in the contract's shape, within the contract's limits."""
    value = driver.value
    if isinstance(value, str):
        value = value[:VALUE_LIMIT]
    elif value is not None:
        value = float(value)
    return {
        "name": driver.name,
        "value": value,
        "explanation": driver.explanation[:TEXT_LIMIT],
        "impact": float(driver.points),
    }


def contract_driver(driver: DomainDriver) -> Driver:
    return Driver(**driver_json(driver))


def state_changed(
    evaluation: Evaluation, previous: State | None, occurred_at: datetime, evaluated_at: datetime
) -> RenewalStateChangedEvent:
    term, risk = evaluation.term, evaluation.risk
    # Validated from plain data in one call: pydantic does that in Rust, faster than
    # building nested models in Python, and this runs for every new or changed term.
    return RenewalStateChangedEvent.model_validate(
        {
            "event_id": event_id(
                "state_changed",
                term.subscription_id,
                term.start_date,
                evaluation.state,
                risk.band,
                occurred_at.isoformat(),
            ),
            "occurred_at": occurred_at,
            "account_id": term.account_id,
            "payload": {
                "subscription_id": term.subscription_id,
                "state": evaluation.state.value,
                "previous_state": previous.value if previous else None,
                "renewal_date": term.end_date,
                "days_to_renewal": days_to_renewal(term, evaluation.today),
                "risk_score": float(risk.score),
                "risk_band": risk.band.value,
                "p_renew": float(evaluation.p_renew),
                "arr": float(term.arr),
                "expected_arr": float(evaluation.expected_arr),
                "drivers": [driver_json(d) for d in risk.drivers][:MAX_ITEMS],
                "evaluated_at": evaluated_at,
            },
        }
    )


def alert_for(
    condition: Condition,
    evaluation: Evaluation,
    people: tuple[dict[str, Any], dict[str, Any] | None] | None,
    raised_at: datetime,
) -> Alert:
    term = evaluation.term
    owner, manager = people or (None, None)
    health = term.health
    return Alert(
        alert_id=str(event_id("alert", condition.dedup_key, raised_at.isoformat())),
        rule=condition.rule.value,
        severity=condition.severity.value,
        dedup_key=condition.dedup_key,
        title=condition.title[:TITLE_LIMIT],
        summary=condition.summary[:TEXT_LIMIT],
        drivers=[contract_driver(d) for d in condition.drivers][:MAX_ITEMS],
        recommended_actions=[a[:TEXT_LIMIT] for a in condition.recommended_actions][:MAX_ITEMS],
        owner=Person.model_validate(owner) if owner else None,
        manager=Person.model_validate(manager) if manager else None,
        account_name=term.account_name,
        segment=term.segment,
        region=term.region,
        arr=float(term.arr),
        currency=term.currency,
        subscription_id=term.subscription_id,
        renewal_date=term.end_date,
        health_score=float(health.score) if health else None,
        risk_score=float(evaluation.risk.score),
    )


def raised(alert: Alert, account_id: str, at: datetime) -> AlertRaisedEvent:
    return AlertRaisedEvent(
        event_id=event_id("raised", alert.alert_id),
        occurred_at=at,
        account_id=account_id,
        payload=alert,
    )


def updated(alert: Alert, account_id: str, at: datetime) -> AlertRaisedEvent:
    """An open alert shown again (its account's name or people arrived): a raise of the
    same alert id, newer than the last."""
    return AlertRaisedEvent(
        event_id=event_id("raised", alert.alert_id, at.isoformat()),
        occurred_at=at,
        account_id=account_id,
        payload=alert,
    )


def resolution_note(rule: AlertRule, evaluation: Evaluation | None) -> str | None:
    """Why an alert resolved, for the message that says so: the renewal's outcome, or
    its risk now, naming the person whose health override moved it."""
    if evaluation is None:
        return None
    if not evaluation.is_open:
        return f"the renewal is {evaluation.state.value.replace('_', ' ')}"
    if rule != AlertRule.RENEWAL_AT_RISK:
        return None
    risk = evaluation.risk
    note = f"risk now {risk.score:g}/100 ({risk.band.value})"
    health = evaluation.term.health
    if health is not None and health.override_note:
        note += f"; {health.override_note}"
    return note


def resolved(
    stored_alert: dict[str, Any], account_id: str, at: datetime, note: str | None = None
) -> AlertResolvedEvent:
    alert = Alert.model_validate(stored_alert)
    if note:
        alert = alert.model_copy(update={"summary": f"Resolved ({note}): {alert.summary}"[:2000]})
    return AlertResolvedEvent(
        event_id=event_id("resolved", alert.alert_id),
        occurred_at=at,
        account_id=account_id,
        payload=alert,
    )
