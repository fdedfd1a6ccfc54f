from collections.abc import Collection
from datetime import UTC, date, datetime, time

from renewals_factories import END, RULES, booked, days, make_term

from radar_renewals.domain.alerts import (
    Condition,
    at_risk,
    conditions_for,
    diff_alerts,
)
from radar_renewals.domain.risk import Risk, assess_risk
from radar_renewals.domain.terms import Cancellation, HealthSnapshot, Term
from radar_schemas.common import AlertRule, RiskBand, Severity

LOW_RISK = Risk(10.0, RiskBand.LOW, ())
HIGH_RISK = Risk(75.0, RiskBand.HIGH, ())


def conditions(
    term: Term, today: date, risk: Risk = LOW_RISK, active: Collection[str] = ()
) -> list[Condition]:
    return conditions_for(term, risk, today, RULES, active_keys=active)


def rules_at(term: Term, offset: int, risk: Risk = LOW_RISK) -> list[str]:
    return [condition.rule.value for condition in conditions(term, END + days(offset), risk)]


def test_window_opens_at_the_prepare_mark_then_the_sign_mark() -> None:
    term = make_term()

    assert rules_at(term, -91) == []
    (prepare,) = conditions(term, END - days(90))
    (sign,) = conditions(term, END - days(30))

    assert rules_at(term, -31) == ["renewal.window_opened"]
    assert prepare.severity is Severity.INFO
    assert prepare.dedup_key == "renewal.window_opened:sub-1:2025-06-30:prepare"
    assert sign.dedup_key == "renewal.window_opened:sub-1:2025-06-30:sign"
    assert "send the renewal order form" in sign.recommended_actions[0]


def test_reaching_the_sign_mark_resolves_the_prepare_alert() -> None:
    term = make_term()
    prepare_key = "renewal.window_opened:sub-1:2025-06-30:prepare"

    raised, resolved = diff_alerts([prepare_key], conditions(term, END - days(30)))

    assert [condition.dedup_key for condition in raised] == [
        "renewal.window_opened:sub-1:2025-06-30:sign"
    ]
    assert resolved == [prepare_key]


def test_at_risk_needs_a_high_band_within_120_days() -> None:
    term = make_term()

    assert "renewal.at_risk" not in rules_at(term, -121, HIGH_RISK)
    assert "renewal.at_risk" in rules_at(term, -120, HIGH_RISK)
    assert "renewal.at_risk" not in rules_at(term, -120, Risk(59.9, RiskBand.MEDIUM, ()))
    (at_risk,) = [
        c
        for c in conditions(term, END - days(100), HIGH_RISK)
        if c.rule is AlertRule.RENEWAL_AT_RISK
    ]
    assert at_risk.severity is Severity.CRITICAL
    assert at_risk.dedup_key == "renewal.at_risk:sub-1:2025-06-30"


def test_at_risk_carries_drivers_with_numbers_and_a_play() -> None:
    term = make_term(health=HealthSnapshot(20, "red", 55), champion_lost=True, account_name="Acme")
    risk = assess_risk(term, END - days(60), RULES)

    (at_risk,) = [
        c for c in conditions(term, END - days(60), risk) if c.rule is AlertRule.RENEWAL_AT_RISK
    ]

    assert risk.band is RiskBand.HIGH
    assert at_risk.title == "Renewal at risk: Acme (USD 100,000)"
    assert f"Risk {risk.score:g}/100 (high)" in at_risk.summary
    assert "health fell 35 points in 30 days (55 → 20)" in at_risk.summary
    assert at_risk.drivers[0].name == "days_to_renewal"
    assert {"champion_lost", "health_score", "health_trend"} <= {d.name for d in at_risk.drivers}
    assert "book an exec sponsor call this week" in at_risk.recommended_actions
    assert "identify a new champion" in " ".join(at_risk.recommended_actions)


def test_at_risk_does_not_flap_at_the_band_boundary() -> None:
    term = make_term()
    key = "renewal.at_risk:sub-1:2025-06-30"
    today = END - days(60)
    just_below = Risk(56.0, RiskBand.MEDIUM, ())  # within 5 points of 60
    clearly_below = Risk(54.9, RiskBand.MEDIUM, ())

    holds = [c.rule for c in conditions(term, today, just_below, active=[key])]
    clears = [c.rule for c in conditions(term, today, clearly_below, active=[key])]
    never_raised = [c.rule for c in conditions(term, today, just_below)]

    assert AlertRule.RENEWAL_AT_RISK in holds
    assert AlertRule.RENEWAL_AT_RISK not in clears
    assert AlertRule.RENEWAL_AT_RISK not in never_raised


def test_overdue_after_the_end_date_until_booked_or_churned() -> None:
    term = make_term()

    assert "renewal.overdue" not in rules_at(term, 0)
    (overdue,) = [c for c in conditions(term, END + days(1)) if c.rule is AlertRule.RENEWAL_OVERDUE]
    assert overdue.severity is Severity.CRITICAL
    assert "counts as churned in 89 days" in overdue.summary
    assert "renewal.overdue" in rules_at(term, 90)
    assert rules_at(term, 91) == ["renewal.churned"]
    assert rules_at(booked(term, END + days(10)), 11) == []


def test_churned_when_cancelled_with_the_reason() -> None:
    term = make_term(cancellation=Cancellation(END, "moved to a competitor"))

    (churned,) = conditions(term, END - days(40))

    assert churned.rule is AlertRule.RENEWAL_CHURNED
    assert churned.severity is Severity.INFO
    assert "cancelled, effective 2025-06-30 (moved to a competitor)" in churned.summary


def test_a_booked_term_has_no_conditions() -> None:
    term = booked(make_term(), END - days(100))

    assert conditions(term, END - days(30), HIGH_RISK) == []


def test_diff_raises_once_and_does_not_repeat() -> None:
    first = conditions(make_term(), END - days(50), HIGH_RISK)

    raised, resolved = diff_alerts([], first + first)  # duplicates count once
    again_raised, again_resolved = diff_alerts([c.dedup_key for c in raised], first)

    assert sorted(c.rule.value for c in raised) == ["renewal.at_risk", "renewal.window_opened"]
    assert (resolved, again_raised, again_resolved) == ([], [], [])


def test_day_by_day_each_alert_is_raised_once_and_cleared_by_the_booking() -> None:
    term = booked(make_term(), END + days(20))  # booked late, 20 days after the end
    active: list[str] = []
    raised_log: list[str] = []
    resolved_log: list[str] = []

    for offset in range(-130, 40):
        today = END + days(offset)
        # The booking is in the term all along; it only counts from its own date.
        raised, resolved = diff_alerts(active, conditions(term, today, HIGH_RISK, active))
        active = [key for key in active if key not in resolved] + [c.dedup_key for c in raised]
        raised_log += [c.dedup_key.split(":")[0] + f"@{offset}" for c in raised]
        resolved_log += [key.split(":")[0] + f"@{offset}" for key in resolved]

    assert raised_log == [
        "renewal.at_risk@-120",
        "renewal.window_opened@-90",
        "renewal.window_opened@-30",
        "renewal.overdue@1",
    ]
    assert sorted(resolved_log) == [
        "renewal.at_risk@20",
        "renewal.overdue@20",
        "renewal.window_opened@-30",
        "renewal.window_opened@20",
    ]
    assert active == []


def test_no_condition_holds_before_it_could() -> None:
    term = make_term()
    late = END + days(200)  # a history loaded long after: each says when it began to hold
    by_rule = {c.rule: c for c in conditions(term, END + days(5), HIGH_RISK)}

    assert by_rule[AlertRule.RENEWAL_OVERDUE].holds_from == at_midnight(END + days(1))
    assert by_rule[AlertRule.RENEWAL_AT_RISK].holds_from == at_midnight(END - days(120))
    (sign,) = [c for c in conditions(term, END - days(3)) if c.dedup_key.endswith(":sign")]
    assert sign.holds_from == at_midnight(END - days(30))
    (churned,) = conditions(term, late)
    assert churned.holds_from == at_midnight(END + days(91))
    (cancelled,) = conditions(make_term(cancellation=Cancellation(END)), END - days(40))
    assert cancelled.holds_from == at_midnight(term.start_date)


def test_at_risk_is_one_definition_for_alerts_and_figures() -> None:
    term = make_term()
    today = END - days(60)

    assert at_risk(term, HIGH_RISK, today, RULES)
    assert not at_risk(term, HIGH_RISK, END - days(121), RULES)  # too far ahead yet
    assert not at_risk(booked(term, today), HIGH_RISK, today, RULES)  # no longer open
    held = Risk(56.0, RiskBand.MEDIUM, ())
    assert at_risk(term, held, today, RULES, was_at_risk=True)
    assert not at_risk(term, held, today, RULES)


def test_a_held_verdict_stays_as_it_was_until_the_term_closes() -> None:
    term = make_term()
    today = END - days(60)
    low = Risk(10.0, RiskBand.LOW, ())
    assert at_risk(term, low, today, RULES, was_at_risk=True, held=True)
    assert not at_risk(term, HIGH_RISK, today, RULES, held=True)  # not raised on history
    assert not at_risk(booked(term, today), low, today, RULES, was_at_risk=True, held=True)


def at_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), UTC)
