"""Backtest over stored history: would the risk score have predicted these outcomes?

For each term due in the range that has closed (renewed or churned), the term is
re-derived from the facts known at the end of its prediction day and scored as of that
day. The prediction day is `horizon_days` before the renewal date, or the day before
the outcome became known if that came first (an early booking, a cancellation), so no
score ever sees its own outcome.

Given the outcomes a simulation drew (`truth`: renewed or not per subscription and
renewal date), the same predictions are also scored against those, for every term the
truth knows, still open ones included (scored on their prediction day or today, which
comes first).

Health enters as the service stored it: one score per account and day, by the `as_of`
of `health.scored`. Where health reports its history by event time, a term is scored
with the health it had on its prediction day; where it does not (scores stamped when
they were computed), a loaded history has no health before the load and the health
drivers are neutral.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from radar_renewals.domain.backtest import BacktestReport, Prediction, outcome_of, run_backtest
from radar_renewals.domain.calibration import Calibration, fit_calibration
from radar_renewals.domain.chain import derive_terms
from radar_renewals.domain.evaluation import Evaluator
from radar_renewals.domain.facts import AccountFacts, Facts, SubscriptionFacts
from radar_renewals.domain.risk import assess_risk
from radar_renewals.domain.terms import Term

DEFAULT_HORIZON_DAYS = 90
TRUTH_FORMAT = "radar-simulation-truth/1"

# (subscription_id, renewal date) -> renewed
Outcomes = Mapping[tuple[str, date], bool]


@dataclass
class Backtest:
    """Predictions for the closed terms due from `start` to `end`, scored `horizon_days`
    before each renewal date; `score` adds those of a batch of facts."""

    start: date
    end: date
    horizon_days: int = DEFAULT_HORIZON_DAYS
    truth: Outcomes | None = None
    predictions: list[Prediction] = field(default_factory=list)  # observed outcomes
    against_truth: list[Prediction] = field(default_factory=list)

    def score(self, evaluator: Evaluator, facts: Facts, today: date) -> None:
        for subscription in facts.subscriptions.values():
            account = facts.account_of(subscription)
            for term in derive_terms(subscription, account):
                if self.start <= term.end_date <= self.end:
                    self._score_term(evaluator, term, subscription, account, today)

    def _score_term(
        self,
        evaluator: Evaluator,
        term: Term,
        subscription: SubscriptionFacts,
        account: AccountFacts,
        today: date,
    ) -> None:
        observed = outcome_of(evaluator.evaluate(term, today).state)
        drawn = (
            None if self.truth is None else self.truth.get((term.subscription_id, term.end_date))
        )
        if observed is None and drawn is None:
            return
        day = min(prediction_day(term, subscription, self.horizon_days), today)
        scored = _scored_then(evaluator, term, subscription, account, day)
        if scored is None:
            return  # the term did not exist yet in the CRM's view on that day
        risk_score, p_renew = scored
        if observed is not None:
            self.predictions.append(Prediction(risk_score, p_renew, observed))
        if drawn is not None:
            self.against_truth.append(Prediction(risk_score, p_renew, drawn))

    def report(self) -> BacktestReport:
        return run_backtest(self.predictions)

    def truth_report(self) -> BacktestReport | None:
        return None if self.truth is None else run_backtest(self.against_truth)

    def fit(self) -> Calibration:
        """Raises `NotEnoughSamples` when the history is too small or one-sided."""
        return fit_calibration([(p.risk_score, p.renewed) for p in self.predictions])


def _scored_then(
    evaluator: Evaluator,
    term: Term,
    subscription: SubscriptionFacts,
    account: AccountFacts,
    day: date,
) -> tuple[float, float] | None:
    """The term's risk score and p_renew with the facts known at the end of `day`."""
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
        return None
    risk = assess_risk(then, day, evaluator.policy)
    return risk.score, evaluator.p_renew(risk)


def truth_outcomes(document: Mapping[str, Any]) -> dict[tuple[str, date], bool]:
    """Renewed or not per (subscription, renewal date), from a simulation's truth file
    (`radar simulate --truth`); raises ValueError for another kind of file."""
    if document.get("format") != TRUTH_FORMAT:
        raise ValueError(f"not a simulation truth file (format {TRUTH_FORMAT!r} expected)")
    return {
        (row["subscription_id"], date.fromisoformat(row["term_end"])): row["outcome"] != "churned"
        for row in document["accounts"]
    }


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
