from datetime import date

import pytest
from renewals_factories import END, RULES, days, make_term, rules_with

from radar_renewals.domain.evaluation import Evaluator
from radar_renewals.domain.risk import Driver, Risk, assess_risk, band_for
from radar_renewals.domain.terms import HealthSnapshot, Opportunity, Term
from radar_schemas.common import RiskBand

FAR = END - days(200)  # before the prepare mark: no deal progress expected
NEAR = END - days(20)


def risk_of(term: Term, today: date = FAR) -> Risk:
    return assess_risk(term, today, RULES)


def points(risk: Risk, name: str) -> float:
    (driver,) = [driver for driver in risk.drivers if driver.name == name]
    return driver.points


def test_no_inputs_scores_the_baseline_and_says_which_were_missing() -> None:
    risk = risk_of(make_term())

    assert risk.score == 25
    assert risk.band is RiskBand.LOW
    assert {driver.points for driver in risk.drivers} == {0.0}
    neutral = [driver.name for driver in risk.drivers if "neutral" in driver.explanation]
    assert neutral == [
        "health_score",
        "health_trend",
        "forecast_category",
        "open_escalations",  # health counts them: without a score they are not known
        "seat_utilisation",
    ]


def test_lower_health_raises_the_score() -> None:
    healthy = risk_of(make_term(health=HealthSnapshot(90, "green")))
    poor = risk_of(make_term(health=HealthSnapshot(30, "red")))

    # (60 − 90) × 0.5 = −15 ; (60 − 30) × 0.5 = +15
    assert points(healthy, "health_score") == -15
    assert points(poor, "health_score") == 15
    assert (healthy.score, poor.score) == (10, 40)
    assert "health 30/100 (red)" in poor.drivers[0].explanation


def test_a_falling_health_trend_raises_the_score_and_a_rise_does_not_lower_it() -> None:
    falling = risk_of(make_term(health=HealthSnapshot(60, "yellow", score_30d_ago=80)))
    collapsed = risk_of(make_term(health=HealthSnapshot(60, "yellow", score_30d_ago=100)))
    rising = risk_of(make_term(health=HealthSnapshot(60, "yellow", score_30d_ago=40)))

    # fell 20 of a full 30-point drop: 15 × 20/30 = 10 ; a 40-point fall is capped at 15
    assert points(falling, "health_trend") == 10
    assert points(collapsed, "health_trend") == 15
    assert points(rising, "health_trend") == 0
    assert "fell 20 points in 30 days (80 → 60)" in falling.drivers[1].explanation


def test_a_stalled_deal_near_the_renewal_raises_the_score() -> None:
    early_stage = make_term(opportunity=Opportunity("Discovery", "best_case"))
    late_stage = make_term(opportunity=Opportunity("Negotiation", "best_case"))
    no_deal = make_term()

    # 20 days out, 90-day prepare mark: expected progress (90 − 20)/90 = 0.78
    assert points(risk_of(early_stage, NEAR), "stalled_deal") == pytest.approx(11.6)  # .58 × 20
    assert points(risk_of(late_stage, NEAR), "stalled_deal") == pytest.approx(0.6)  # .03 × 20
    assert points(risk_of(no_deal, NEAR), "stalled_deal") == pytest.approx(15.6)  # .78 × 20
    assert points(risk_of(no_deal, FAR), "stalled_deal") == 0
    assert points(risk_of(no_deal, END + days(10)), "stalled_deal") == 20


def test_stalled_deal_is_neutral_for_auto_renewals_and_unknown_stages() -> None:
    auto = risk_of(make_term(auto_renew=True), NEAR)
    odd_stage = risk_of(make_term(opportunity=Opportunity("Legal review", "pipeline")), NEAR)

    assert points(auto, "stalled_deal") == 0
    assert points(odd_stage, "stalled_deal") == 0
    assert "'Legal review' has no configured progress" in odd_stage.drivers[2].explanation


def test_forecast_category_commit_lowers_and_omitted_raises_the_score() -> None:
    scores = {
        category: risk_of(make_term(opportunity=Opportunity("proposal", category))).score
        for category in ("commit", "best_case", "pipeline", "omitted")
    }

    assert scores == {"commit": 10, "best_case": 20, "pipeline": 30, "omitted": 40}


def test_champion_loss_escalations_and_low_utilisation_raise_the_score() -> None:
    base = risk_of(make_term()).score

    assert risk_of(make_term(champion_lost=True)).score == base + 15
    assert risk_of(make_term(open_escalations=1)).score == base + 5
    assert risk_of(make_term(open_escalations=9)).score == base + 15  # capped
    assert risk_of(make_term(open_escalations=0)).score == base
    assert risk_of(make_term(utilisation=0.9)).score == base
    assert risk_of(make_term(utilisation=0.4)).score == base + 5  # halfway 0.6 → 0.2
    assert risk_of(make_term(utilisation=0.1)).score == base + 10


def test_unknown_escalations_are_neutral_and_said_to_be_unknown() -> None:
    unknown = _driver(risk_of(make_term()), "open_escalations")
    none_open = _driver(risk_of(make_term(open_escalations=0)), "open_escalations")

    assert (unknown.value, unknown.points) == (None, 0.0)
    assert unknown.explanation == "open escalations not known: neutral (0 points)"
    assert (none_open.value, none_open.points) == (0.0, 0.0)
    assert none_open.explanation == "no open escalations: 0"


def _driver(risk: Risk, name: str) -> Driver:
    return next(driver for driver in risk.drivers if driver.name == name)


def test_the_score_is_clamped_and_banded() -> None:
    worst = make_term(
        health=HealthSnapshot(0, "red", score_30d_ago=90),
        opportunity=Opportunity("closed lost", "omitted"),
        champion_lost=True,
        open_escalations=5,
        utilisation=0.05,
    )
    best = make_term(health=HealthSnapshot(100, "green"), opportunity=Opportunity("won", "commit"))

    assert risk_of(worst, NEAR).score == 100
    assert risk_of(worst, NEAR).band is RiskBand.HIGH
    assert risk_of(best).score == 0


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (0, RiskBand.LOW),
        (29.9, RiskBand.LOW),
        (30, RiskBand.MEDIUM),
        (59.9, RiskBand.MEDIUM),
        (60, RiskBand.HIGH),
        (100, RiskBand.HIGH),
    ],
)
def test_band_boundaries(score: float, band: RiskBand) -> None:
    assert band_for(score, RULES.risk.bands) is band


def test_top_drivers_are_the_largest_positive_ones() -> None:
    risk = risk_of(make_term(champion_lost=True, open_escalations=1, utilisation=0.9))

    assert [driver.name for driver in risk.top_drivers()] == ["champion_lost", "open_escalations"]


def test_the_score_is_the_baseline_plus_listed_points() -> None:
    term = make_term(
        health=HealthSnapshot(47, "yellow", score_30d_ago=66),
        opportunity=Opportunity("Proposal", "pipeline"),
        utilisation=0.33,
    )

    risk = risk_of(term, NEAR)

    assert risk.score == pytest.approx(25 + sum(driver.points for driver in risk.drivers))
    assert risk == risk_of(term, NEAR)  # deterministic


def test_a_decided_stage_sets_p_renew_and_says_why() -> None:
    lost = make_term(opportunity=Opportunity("Closed Lost", "omitted"))
    risk = risk_of(lost, NEAR)
    evaluation = Evaluator(RULES).evaluate(lost, NEAR)

    assert (risk.score, risk.band, risk.p_renew) == (100.0, RiskBand.HIGH, 0.0)
    assert (evaluation.p_renew, evaluation.expected_arr) == (0.0, 0)
    decided = risk.drivers[-1]
    assert decided.name == "decided_stage"
    assert "CRM stage Closed Lost decides the renewal: p_renew 0 %" in decided.explanation
    assert RULES.risk.baseline + sum(d.points for d in risk.drivers) == pytest.approx(100.0)
    won = make_term(opportunity=Opportunity("Closed Won", "closed"))
    assert risk_of(won, NEAR).p_renew is None  # not decided by default: the curve's


def test_a_rule_file_may_decide_other_stages() -> None:
    rules = rules_with({"risk": {"decided_stages": {"Closed Won": 1.0}}})
    won = make_term(opportunity=Opportunity("closed-won", "closed"))

    evaluation = Evaluator(rules).evaluate(won, NEAR)

    assert (evaluation.risk.score, evaluation.p_renew) == (0.0, 1.0)
    assert evaluation.expected_arr == won.arr
