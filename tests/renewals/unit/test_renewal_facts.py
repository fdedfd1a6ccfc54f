from datetime import date
from decimal import Decimal

from renewals_fact_builders import (
    contact_fact,
    health_fact,
    moment,
    term_fact,
)
from renewals_factories import END, RULES, booked, days, make_term

from radar_renewals.domain.alerts import churned_on
from radar_renewals.domain.evaluation import Evaluator
from radar_renewals.domain.facts import (
    champion_lost,
    latest_health,
    newest,
)
from radar_renewals.domain.terms import Cancellation, State, Timing

EVALUATOR = Evaluator(RULES)


def test_the_newest_fact_is_the_latest_in_time_then_by_event_id() -> None:
    first, tie, late = (
        term_fact(END, END + days(1), recorded=date(2025, 1, 1)),
        term_fact(END, END + days(2), recorded=date(2025, 1, 1)),
        term_fact(END, END + days(3), recorded=date(2025, 1, 2)),
    )
    assert first.version_at == tie.version_at and first.version_id < tie.version_id
    assert newest([first, tie]) is tie
    assert newest([late, tie, first]) is late
    assert newest([]) is None


def test_latest_health_is_the_newest_score_known_by_the_cutoff() -> None:
    scores = [health_fact(date(2025, 1, 1), 80), health_fact(date(2025, 2, 1), 30)]
    found = latest_health(scores, None)
    assert found is not None and found.score == 30
    found = latest_health(scores, moment(date(2025, 1, 15)))
    assert found is not None and found.score == 80
    assert latest_health(scores, moment(date(2024, 12, 1))) is None


def test_a_champion_is_lost_until_someone_fills_the_role() -> None:
    left = contact_fact(date(2025, 1, 1), "c1", "champion", "left")
    joined = contact_fact(date(2025, 2, 1), "c2", "champion", "joined")
    sponsor_joined = contact_fact(date(2025, 2, 1), "c3", "exec_sponsor", "joined")
    assert champion_lost([left], None)
    assert champion_lost([left, sponsor_joined], None)  # another role does not fill it
    assert not champion_lost([left, joined], None)
    assert champion_lost([left, joined], moment(date(2025, 1, 15)))
    user_left = contact_fact(date(2025, 1, 1), "c4", "user", "left")
    assert not champion_lost([user_left], None)


def test_a_contact_rejoining_clears_their_own_departure() -> None:
    left = contact_fact(date(2025, 1, 1), "c1", "champion", "left")
    back = contact_fact(date(2025, 3, 1), "c1", "champion", "joined")
    assert not champion_lost([back, left], None)


def test_expected_arr_follows_the_forecast_rule_per_state() -> None:
    today = END - days(10)
    open_term = EVALUATOR.evaluate(make_term(), today)
    assert open_term.state is State.IN_WINDOW
    assert open_term.expected_arr == (
        Decimal("100000") * Decimal(str(EVALUATOR.curve.p_renew(open_term.risk.score)))
    ).quantize(Decimal("0.01"))
    renewed = EVALUATOR.evaluate(booked(make_term(), END - days(40), "120000"), today)
    assert (renewed.state, renewed.timing) == (State.RENEWED_EARLY, Timing.EARLY)
    assert renewed.expected_arr == Decimal("120000") == renewed.booked_arr
    churned = EVALUATOR.evaluate(make_term(cancellation=Cancellation(END)), today)
    assert churned.state is State.CHURNED and churned.expected_arr == 0
    assert churned.booked_arr is None


def test_a_booking_dated_later_is_not_known_yet() -> None:
    term = booked(make_term(), END - days(5))
    before = EVALUATOR.evaluate(term, END - days(6))
    assert (before.state, before.timing) == (State.IN_WINDOW, None)


def test_the_day_a_term_churned() -> None:
    assert churned_on(make_term(), RULES) == END + days(91)
    assert churned_on(make_term(cancellation=Cancellation(END - days(3))), RULES) == END - days(3)
    assert churned_on(booked(make_term(), END + days(120)), RULES) == END + days(120)
