"""The events a recompute emits: health.scored, alert.raised and alert.resolved.

Event ids are uuid5 of their cause (account, instant, content), so an id names one fact.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from radar_health.domain.alerts import (
    ActiveAlert,
    Condition,
    Driver,
    Resolution,
    ResolveReason,
)
from radar_health.domain.assess import AccountFacts, Assessment, StoredAlert, StoredHealth
from radar_health.domain.scoring import HealthScore
from radar_schemas.common import Person
from radar_schemas.derived import (
    Alert,
    AlertRaisedEvent,
    AlertResolvedEvent,
    HealthScored,
    HealthScoredEvent,
    ScoreComponent,
    ScoreOverride,
)
from radar_schemas.derived import Driver as DriverOut

NAMESPACE = uuid.UUID("5b0f1c9e-7a43-4c8e-9d1a-2f6b8e3c4a70")
SOURCE = "health"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Parts built here from bounded domain values are constructed without re-validation (the
# hot path of a 100,000-account recompute); the event around them is validated, and unit
# tests check every builder's output against the contract.


def _components_out(score: HealthScore) -> list[ScoreComponent]:
    scored = [
        ScoreComponent.model_construct(
            measure=c.measure.value,
            raw_value=float(c.raw_value),
            sub_score=float(c.sub_score),
            weight=float(c.weight),
            explanation=_clip(c.explanation, 2000),
        )
        for c in score.components
    ]
    missing = [
        ScoreComponent.model_construct(
            measure=m.measure.value,
            raw_value=None,
            sub_score=None,
            weight=0.0,
            explanation=_clip(m.reason, 2000),
        )
        for m in score.missing
    ]
    return scored + missing


def scored_event(
    facts: AccountFacts,
    stored: StoredHealth,
    assessment: Assessment,
    as_of: datetime,
    computed_at: datetime,
) -> HealthScoredEvent:
    """`as_of`: the instant the score is of (event time); `computed_at`, the event's
    `occurred_at`: when it was worked out, so a score of the same instant worked out again
    after late events (a correction) is the newer version of it for every consumer."""
    effective, trend = assessment.effective, assessment.trend
    assert effective.score is not None and effective.band is not None
    override = effective.override
    account_id = facts.signals.account_id
    cause = f"health.scored|{account_id}|{as_of.isoformat()}|{effective.score}|{effective.band}"
    cause += f"|{assessment.override_fingerprint}|{assessment.open_escalations}"
    return HealthScoredEvent(
        event_id=uuid.uuid5(NAMESPACE, cause),
        occurred_at=max(computed_at, as_of),
        account_id=account_id,
        source=SOURCE,
        payload=HealthScored(
            score=float(effective.score),
            band=effective.band.value,
            previous_score=stored.emitted_score,
            previous_band=stored.emitted_band.value if stored.emitted_band else None,
            components=_components_out(assessment.computed),
            missing=[m.value for m in assessment.computed.missing_measures],
            score_7d_ago=trend.score_7d_ago,
            score_30d_ago=trend.score_30d_ago,
            override=(
                ScoreOverride(
                    score=override.score,
                    band=override.band.value if override.band else None,
                    reason=_clip(override.reason, 2000),
                    author=_clip(override.author, 256),
                    expires_at=override.expires_at,
                )
                if override is not None
                else None
            ),
            segment=facts.signals.segment,
            open_escalations=assessment.open_escalations,
            provisional=assessment.provisional,
            as_of=as_of,
        ),
    )


def _person(value: dict[str, Any] | None) -> Person | None:
    if not value:
        return None
    try:
        return Person.model_validate(value)
    except ValidationError:
        return None


def _driver_out(driver: Driver) -> DriverOut:
    value = driver.value
    if isinstance(value, bool):
        value = str(value).lower()
    elif isinstance(value, int):
        value = float(value)
    elif isinstance(value, str):
        value = _clip(value, 256)
    return DriverOut.model_construct(
        name=_clip(driver.name, 256),
        value=value,
        explanation=_clip(driver.explanation, 2000),
        impact=None,
    )


def _alert(
    condition: Condition,
    facts: AccountFacts,
    health_score: float | None,
    alert_id: str,
    severity: str,
) -> Alert:
    signals = facts.signals
    return Alert(
        alert_id=alert_id,
        rule=condition.rule.value,
        severity=severity,
        dedup_key=condition.dedup_key,
        title=_clip(condition.title, 256),
        summary=_clip(condition.summary, 2000),
        drivers=[_driver_out(d) for d in condition.drivers][:64],
        recommended_actions=[_clip(a, 2000) for a in condition.recommended_actions][:64],
        owner=_person(facts.owner),
        manager=_person(facts.manager),
        account_name=_clip(facts.name, 256) if facts.name else None,
        segment=signals.segment,
        region=facts.region,
        arr=facts.arr,
        currency=facts.currency if facts.arr is not None else None,
        renewal_date=signals.renewal_date,
        health_score=health_score,
    )


def raised_alert(
    condition: Condition, facts: AccountFacts, health_score: float | None, as_of: datetime
) -> tuple[StoredAlert, AlertRaisedEvent]:
    """The alert to store as open and the event announcing it."""
    cause = f"alert|{condition.dedup_key}|{condition.severity.value}|{as_of.isoformat()}"
    alert_id = str(uuid.uuid5(NAMESPACE, cause))
    alert = _alert(condition, facts, health_score, alert_id, condition.severity.value)
    event = _raised_event(f"alert.raised|{alert_id}", alert, facts.signals.account_id, as_of)
    active = ActiveAlert.from_condition(condition, as_of, alert_id)
    return StoredAlert(active, alert.model_dump_json()), event


def _raised_event(cause: str, alert: Alert, account_id: str, as_of: datetime) -> AlertRaisedEvent:
    return AlertRaisedEvent(
        event_id=uuid.uuid5(NAMESPACE, cause),
        occurred_at=as_of,
        account_id=account_id,
        source=SOURCE,
        payload=alert,
    )


def _who(alert: Alert) -> tuple[object, ...]:
    """What names the account, its people, its money and its renewal: a change re-renders
    an open alert (an alert held for months must not show the term it renewed since)."""
    return (
        alert.account_name,
        alert.owner,
        alert.manager,
        alert.currency,
        alert.arr,
        alert.renewal_date,
    )


def rerendered_alert(
    stored: StoredAlert,
    condition: Condition,
    facts: AccountFacts,
    health_score: float | None,
    as_of: datetime,
) -> tuple[StoredAlert, AlertRaisedEvent] | None:
    """An open alert shown again when who it names became known or changed since it was
    raised (the account's name and owner arrived later, a contact's name, the term
    renewed): `alert.raised`
    again with the same `alert_id`, an update of the open alert, not a new one. None when
    nothing it names changed; titles that carry a measurement are not compared."""
    before = Alert.model_validate_json(stored.payload_json)
    after = _alert(condition, facts, health_score, before.alert_id, before.severity)
    named = condition.person is not None
    if _who(after) == _who(before) and (not named or after.title == before.title):
        return None
    digest = uuid.uuid5(NAMESPACE, after.model_dump_json())
    cause = f"alert.rerendered|{before.alert_id}|{digest}"
    event = _raised_event(cause, after, facts.signals.account_id, as_of)
    return StoredAlert(stored.alert, after.model_dump_json()), event


_RESOLVED_PREFIX = {
    ResolveReason.CLEARED: "Resolved: ",
    ResolveReason.SUPERSEDED: "Superseded by a more severe alert: ",
}


def resolved_alert(stored: StoredAlert, resolution: Resolution) -> AlertResolvedEvent:
    raised = Alert.model_validate_json(stored.payload_json)
    summary = _clip(_RESOLVED_PREFIX[resolution.reason] + raised.summary, 2000)
    return AlertResolvedEvent(
        event_id=uuid.uuid5(NAMESPACE, f"alert.resolved|{raised.alert_id}"),
        occurred_at=resolution.resolved_at,
        account_id=stored.alert.account_id,
        source=SOURCE,
        payload=raised.model_copy(update={"summary": summary}),
    )
