"""What the service emits decodes as the contract says, with stable ids."""

from datetime import UTC, datetime

from renewals_factories import END, RULES, days, make_term

from radar_renewals.domain.alerts import conditions_for
from radar_renewals.domain.evaluation import Evaluator
from radar_renewals.domain.outgoing import alert_for, raised, resolved, state_changed
from radar_renewals.domain.terms import HealthSnapshot, State
from radar_schemas import AlertRaisedEvent, AlertResolvedEvent, RenewalStateChangedEvent
from radar_schemas.codec import decode, encode

AT = datetime(2025, 5, 1, 9, tzinfo=UTC)
NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
EVALUATOR = Evaluator(RULES)
OWNER = {"name": "Dana Reyes", "email": "dana@example.com", "slack_id": None}


def test_state_changed_round_trips_through_the_contract() -> None:
    term = make_term(health=HealthSnapshot(30.0, "red", 70.0), segment="smb", owner="d@x.io")
    evaluation = EVALUATOR.evaluate(term, END - days(60))
    event = state_changed(evaluation, State.UPCOMING, AT, NOW)
    decoded = decode(encode(event))
    assert isinstance(decoded, RenewalStateChangedEvent)
    assert decoded == event
    payload = decoded.payload
    assert (payload.state, payload.previous_state, payload.days_to_renewal) == (
        "in_window",
        "upcoming",
        60,
    )
    assert payload.risk_score == evaluation.risk.score
    # When the fact happened, and when renewals reached the verdict.
    assert (decoded.occurred_at, payload.evaluated_at) == (AT, NOW)
    assert [d.name for d in payload.drivers][:2] == ["health_score", "health_trend"]
    assert state_changed(evaluation, State.UPCOMING, AT, NOW).event_id == event.event_id


def test_alerts_carry_the_owner_and_resolve_under_the_same_alert_id() -> None:
    term = make_term(account_name="Acme", segment="enterprise", region="emea")
    evaluation = EVALUATOR.evaluate(term, END - days(30))
    (condition,) = conditions_for(term, evaluation.risk, END - days(30), RULES)
    alert = alert_for(condition, evaluation, (OWNER, None), AT)
    up = decode(encode(raised(alert, term.account_id, AT)))
    assert isinstance(up, AlertRaisedEvent)
    assert up.payload.owner is not None and up.payload.owner.email == "dana@example.com"
    assert (up.payload.account_name, up.payload.segment, up.payload.arr) == (
        "Acme",
        "enterprise",
        100000.0,
    )
    down = decode(encode(resolved(alert.model_dump(mode="json"), term.account_id, AT)))
    assert isinstance(down, AlertResolvedEvent)
    assert down.payload.alert_id == up.payload.alert_id
    assert down.event_id != up.event_id
