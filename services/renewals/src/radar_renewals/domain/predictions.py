"""Backtest over stored history: would the risk score have predicted these outcomes?

For each term due in the range that has closed (renewed or churned), the term is
re-derived from the facts known at the end of its prediction day and scored as of that
day. The prediction day is `horizon_days` before the renewal date, or the day before
the outcome became known if that came first (an early booking, a cancellation), so no
score ever sees its own outcome.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from radar_renewals.domain.backtest import BacktestReport, Prediction, outcome_of, run_backtest
from radar_renewals.domain.calibration import Calibration, fit_calibration
from radar_renewals.domain.chain import derive_terms
from radar_renewals.domain.evaluation import Evaluator
from radar_renewals.domain.facts import AccountFacts, Facts, SubscriptionFacts
from radar_renewals.domain.risk import assess_risk
from radar_renewals.domain.terms import Term

DEFAULT_HORIZON_DAYS = 90


@dataclass
class Backtest:
    """Predictions for the closed terms due from `start` to `end`, scored `horizon_days`
    before each renewal date; `score` adds those of a batch of facts."""

    start: date
    end: date
    horizon_days: int = DEFAULT_HORIZON_DAYS
    predictions: list[Prediction] = field(default_factory=list)

    def score(self, evaluator: Evaluator, facts: Facts, today: date) -> None:
        for subscription in facts.subscriptions.values():
            account = facts.account_of(subscription)
            self.predictions.extend(
                _predict(
                    evaluator, subscription, account, self.start, self.end, today, self.horizon_days
                )
            )

    def report(self) -> BacktestReport:
        return run_backtest(self.predictions)

    def fit(self) -> Calibration:
        """Raises `NotEnoughSamples` when the history is too small or one-sided."""
        return fit_calibration([(p.risk_score, p.renewed) for p in self.predictions])


def _predict(
    evaluator: Evaluator,
    subscription: SubscriptionFacts,
    account: AccountFacts,
    start: date,
    end: date,
    today: date,
    horizon_days: int,
) -> list[Prediction]:
    found = []
    for term in derive_terms(subscription, account):
        if not start <= term.end_date <= end:
            continue
        renewed = outcome_of(evaluator.evaluate(term, today).state)
        if renewed is None:
            continue
        day = prediction_day(term, subscription, horizon_days)
        cutoff = datetime.combine(day, time.max, tzinfo=UTC)
        then = next(
            (
                t
                for t in derive_terms(subscription, account, cutoff=cutoff)
                if t.start_date == term.start_date
            ),
            None,
        )
        if then is None:
            continue  # the term did not exist yet in the CRM's view on that day
        risk = assess_risk(then, day, evaluator.policy)
        found.append(Prediction(risk.score, evaluator.p_renew(risk), renewed))
    return found


def prediction_day(term: Term, subscription: SubscriptionFacts, horizon_days: int) -> date:
    day = term.end_date - timedelta(days=horizon_days)
    known = []
    if term.booking is not None:
        known.append(term.booking.booked_at)
    cancellation = subscription.cancellation
    if term.cancellation is not None and cancellation is not None:
        known.append(
            min(cancellation.effective_date, cancellation.occurred_at.astimezone(UTC).date())
        )
    for outcome_day in known:
        day = min(day, outcome_day - timedelta(days=1))
    return max(day, term.start_date)


def calibration_toml(curve: Calibration, backtest: Backtest, fitted_on: date) -> str:
    """A rule file holding only the fitted curve: use it as RADAR_RENEWALS_CALIBRATION_PATH,
    or copy its [calibration] table into your own rule file."""
    knots = ", ".join(f"[{score:g}, {p:.4f}]" for score, p in curve.knots)
    return (
        f"# Fitted by radar-renewals-backtest on {fitted_on} from "
        f"{len(backtest.predictions)} closed terms due {backtest.start} to {backtest.end}\n"
        f"# (scored {backtest.horizon_days} days before each renewal date).\n"
        "version = 1\n\n[calibration]\n"
        f"knots = [{knots}]\n"
    )
