"""Everything the service shows about one term on one day: state, timing, risk, p_renew.

`expected_arr` follows the forecast's rule, so stored figures add up to the forecast:
a renewed term at its booked ARR, a churned one at 0, an open one at ARR × p_renew.

Risk is a prediction, so it is assessed for open terms only. Once a term has closed its
outcome replaces it: renewed is risk 0 (low) with p_renew 1, churned risk 100 (high) with
p_renew 0. (The backtest scores closed terms as of a day before their outcome instead.)
This also keeps a closed term's row still when account signals such as health move.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from radar_renewals.domain.calibration import Calibration, expected_arr
from radar_renewals.domain.calls import CallCategory, model_category
from radar_renewals.domain.policy import ForecastPolicy, RenewalPolicy
from radar_renewals.domain.risk import Driver, Risk, assess_risk
from radar_renewals.domain.terms import (
    OPEN_STATES,
    RENEWED_STATES,
    State,
    Term,
    Timing,
    classify_booking,
    known_booking,
    state_of,
)
from radar_schemas.common import RiskBand

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Evaluation:
    term: Term
    today: date
    state: State
    timing: Timing | None  # how the booking was timed, once one is known
    risk: Risk
    p_renew: float
    expected_arr: Decimal

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    def model_category(self, policy: ForecastPolicy) -> CallCategory | None:
        """The model's call for an open term (None once closed)."""
        return model_category(self.p_renew, policy) if self.is_open else None

    @property
    def booked_arr(self) -> Decimal | None:
        """The renewed ARR, for renewed terms only."""
        booking = self.term.booking
        return booking.new_arr if self.state in RENEWED_STATES and booking else None


def outcome_risk(state: State) -> tuple[Risk, float]:
    """The risk and p_renew of a closed term: its outcome, certain."""
    if state in RENEWED_STATES:
        why = f"the renewal is booked ({state.value.removeprefix('renewed_')}): 0"
        return Risk(0.0, RiskBand.LOW, (Driver("outcome", state.value, 0.0, why),)), 1.0
    why = "the term churned: the outcome replaces the prediction"
    return Risk(100.0, RiskBand.HIGH, (Driver("outcome", state.value, 0.0, why),)), 0.0


class Evaluator:
    """Evaluates terms against one rule file; the calibration curve is built once."""

    def __init__(self, policy: RenewalPolicy) -> None:
        self.policy = policy
        self.curve: Calibration = policy.calibration.curve()

    def p_renew(self, risk: Risk) -> float:
        """The calibrated chance of renewal, unless a decided stage set it."""
        return self.curve.p_renew(risk.score) if risk.p_renew is None else risk.p_renew

    def evaluate(self, term: Term, today: date) -> Evaluation:
        rules = self.policy.timing.for_segment(term.segment)
        state = state_of(term, today, rules)
        booking = known_booking(term, today)
        timing = classify_booking(booking.booked_at, term.end_date, rules) if booking else None
        if state in OPEN_STATES:
            risk = assess_risk(term, today, self.policy)
            p_renew = self.p_renew(risk)
        else:
            risk, p_renew = outcome_risk(state)
        if state in RENEWED_STATES and term.booking is not None:
            weighted = term.booking.new_arr
        elif state in OPEN_STATES:
            weighted = expected_arr(term.arr, p_renew)
        else:
            weighted = ZERO
        # Shown to 4 places; the weighting above used the exact value, as the forecast does.
        return Evaluation(term, today, state, timing, risk, round(p_renew, 4), weighted)
