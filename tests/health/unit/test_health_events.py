"""The events a recompute emits carry the contract's fields: numbers, owner, account, play."""

from dataclasses import replace
from datetime import date, timedelta

from health_factories import AS_OF, ago, assess_by_default, signals

from radar_health.domain.alerts import Resolution, ResolveReason
from radar_health.domain.assess import AccountFacts, StoredHealth
from radar_health.domain.events import (
    raised_alert,
    rerendered_alert,
    resolved_alert,
    scored_event,
)
from radar_health.domain.signals import ContactState, OpenTicket
from radar_schemas.codec import decode, encode

OWNER = {"name": "Dana Reyes", "email": "dana.reyes@example.com", "slack_id": "U1"}
FACTS = AccountFacts(
    signals(
        segment="enterprise",
        last_engagement_at=ago(1),
        contacts=(ContactState("c-9", "champion", False, ago(2)),),
        renewal_date=AS_OF.date() + timedelta(days=60),
    ),
    name="Acme Corp",
    region="emea",
    owner=OWNER,
    manager=None,
    arr=120_000.0,
    currency="EUR",
)


def test_health_scored_lists_components_and_the_missing_measures_with_reasons():
    assessment = assess_by_default(FACTS, StoredHealth("acct-1"))
    event = scored_event(FACTS, StoredHealth("acct-1"), assessment, AS_OF, AS_OF)
    assert decode(encode(event)) == event  # valid against the contract
    payload = event.payload
    assert (payload.score, payload.band, payload.segment) == (60.0, "yellow", "enterprise")
    by_measure = {c.measure: c for c in payload.components}
    assert by_measure["engagement_recency"].sub_score == 100.0
    assert by_measure["relationship"].raw_value == 0.0
    assert by_measure["usage_trend"].raw_value is None and by_measure["usage_trend"].weight == 0
    assert set(payload.missing) == {
        "usage_trend",
        "license_utilization",
        "support_load",
        "satisfaction",
    }
    assert event.occurred_at == AS_OF and event.source == "health"
    assert payload.open_escalations == 0  # no ticket seen
    again = scored_event(FACTS, StoredHealth("acct-1"), assessment, AS_OF, AS_OF)
    assert again.event_id == event.event_id  # named by its cause


def test_a_score_worked_out_again_later_is_the_newer_version_of_the_same_instant():
    # A replay after late events scores a past day again: `as_of` stays the day's close,
    # the event's time is when it was worked out, so consumers keep the correction.
    assessment = assess_by_default(FACTS, StoredHealth("acct-1"))
    first = scored_event(
        FACTS, StoredHealth("acct-1"), assessment, AS_OF, AS_OF + timedelta(days=3)
    )
    later = scored_event(
        FACTS, StoredHealth("acct-1"), assessment, AS_OF, AS_OF + timedelta(days=9)
    )
    assert first.payload.as_of == later.payload.as_of == AS_OF
    assert later.occurred_at > first.occurred_at


def test_health_scored_carries_the_open_escalations_and_a_new_count_is_a_new_event():
    ticket = OpenTicket("T-7", "normal", escalated=True, opened_at=ago(2))
    escalated = replace(FACTS, signals=replace(FACTS.signals, open_tickets=(ticket,)))
    assessment = assess_by_default(escalated, StoredHealth("acct-1"))
    event = scored_event(escalated, StoredHealth("acct-1"), assessment, AS_OF, AS_OF)
    assert decode(encode(event)) == event
    assert event.payload.open_escalations == 1
    closed = replace(assessment, open_escalations=0)  # the same score, one escalation fewer
    assert (
        scored_event(escalated, StoredHealth("acct-1"), closed, AS_OF, AS_OF).event_id
        != event.event_id
    )


def test_raised_alert_says_who_what_why_and_what_to_do():
    assessment = assess_by_default(FACTS, StoredHealth("acct-1"))
    [champion] = [c for c in assessment.changes.raised if c.rule.value == "champion.left"]
    stored, event = raised_alert(champion, FACTS, 60.0, AS_OF)
    assert decode(encode(event)) == event
    alert = event.payload
    assert (alert.rule, alert.severity) == ("champion.left", "critical")  # renewal in 60 days
    assert alert.dedup_key == "champion.left:acct-1:c-9"
    assert {d.name: d.value for d in alert.drivers} == {"contact": "c-9", "days_to_renewal": 60.0}
    assert alert.recommended_actions[0] == "Identify and onboard a new champion"
    assert alert.owner.email == OWNER["email"] and alert.manager is None
    assert (alert.account_name, alert.segment, alert.region) == ("Acme Corp", "enterprise", "emea")
    assert (alert.arr, alert.currency, alert.health_score) == (120_000.0, "EUR", 60.0)
    assert alert.renewal_date == date(2025, 8, 14)
    assert stored.alert.alert_id == alert.alert_id and alert.title in stored.payload_json

    resolution = Resolution(stored.alert, ResolveReason.CLEARED, AS_OF + timedelta(days=1))
    resolved = resolved_alert(stored, resolution)
    assert resolved.payload.alert_id == alert.alert_id
    assert resolved.payload.summary.startswith("Resolved: Champion c-9 left")
    assert resolved.occurred_at == AS_OF + timedelta(days=1)
    assert resolved.event_id != event.event_id


def test_an_open_alert_is_shown_again_when_who_it_names_becomes_known():
    """Raised before the account's profile and the champion's name arrived: shown again,
    same alert, with the name, owner and currency; not again when nothing it names moved."""
    unknown = AccountFacts(
        replace(
            FACTS.signals,
            contacts=(ContactState("c-9", "champion", False, ago(2)),),
        )
    )
    [champion] = [
        c
        for c in assess_by_default(unknown, StoredHealth("acct-1")).changes.raised
        if c.rule.value == "champion.left"
    ]
    stored, raised = raised_alert(champion, unknown, 60.0, AS_OF)
    assert (raised.payload.account_name, raised.payload.owner, raised.payload.arr) == (
        None,
        None,
        None,
    )
    assert rerendered_alert(stored, champion, unknown, 60.0, AS_OF) is None

    named = replace(
        FACTS,
        signals=replace(
            FACTS.signals,
            contact_names={"c-9": "Jane Doe"},
        ),
    )
    [now_named] = [
        c
        for c in assess_by_default(named, StoredHealth("acct-1")).changes.raised
        if c.rule.value == "champion.left"
    ]
    shown = rerendered_alert(stored, now_named, named, 60.0, AS_OF + timedelta(hours=1))
    assert shown is not None
    again, event = shown
    assert decode(encode(event)) == event and event.type == "alert.raised"
    alert = event.payload
    assert alert.alert_id == raised.payload.alert_id and again.alert == stored.alert
    assert (alert.title, alert.account_name, alert.owner.email) == (
        "Champion Jane Doe left",
        "Acme Corp",
        OWNER["email"],
    )
    assert (alert.arr, alert.currency) == (120_000.0, "EUR")
    assert event.event_id != raised.event_id
    assert rerendered_alert(again, now_named, named, 60.0, AS_OF + timedelta(hours=2)) is None


def test_an_open_alert_is_shown_again_with_the_renewal_it_faces_now():
    """Held since before the account renewed: shown again with the new term's date and
    ARR (and the summary as the condition reads now), not the term it renewed."""
    [champion] = [
        c
        for c in assess_by_default(FACTS, StoredHealth("acct-1")).changes.raised
        if c.rule.value == "champion.left"
    ]
    stored, raised = raised_alert(champion, FACTS, 60.0, AS_OF)
    next_term = AS_OF.date() + timedelta(days=425)
    renewed = replace(FACTS, signals=replace(FACTS.signals, renewal_date=next_term), arr=132_000.0)
    [holding] = [
        c
        for c in assess_by_default(renewed, StoredHealth("acct-1")).changes.raised
        if c.rule.value == "champion.left"
    ]
    shown = rerendered_alert(stored, holding, renewed, 60.0, AS_OF + timedelta(days=70))
    assert shown is not None
    alert = shown[1].payload
    assert alert.alert_id == raised.payload.alert_id
    assert (alert.renewal_date, alert.arr) == (next_term, 132_000.0)
    assert f"Renewal on {next_term}, 425 days later." in alert.summary
