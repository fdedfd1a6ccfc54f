"""Renewal forecast: terms due per month or quarter (by end date), optionally per group.

Per term, as of `today`:
- due: every term whose end date falls in the period, at its current ARR;
- booked: renewed terms, at the booked (new) ARR;
- expected: booked at the booked ARR, churned at 0, open at ARR × p_renew;
- commit / best_case / pipeline / omitted: open terms by CRM forecast category, at the
  opportunity amount (the term's ARR when the opportunity has none): the CRM's view;
- model commit / best case / at risk: open terms by the model's category (`calls`), at
  the same amount; call commit / ...: by the manager's call (the store joins the calls;
  this reference has none);
- at risk: open terms at risk (`alerts.at_risk`: high risk within at_risk_days of E),
  at their ARR; with the hysteresis of a raised alert, which only the projection knows.
Each (period, group) pair in range gets a row, zeros included, so rows chart directly.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from typing import Any

from radar_renewals.domain.alerts import at_risk
from radar_renewals.domain.evaluation import Evaluation, Evaluator
from radar_renewals.domain.grouping import GroupBy, group_of
from radar_renewals.domain.periods import Period, period_label, period_start, periods_between
from radar_renewals.domain.policy import RenewalPolicy
from radar_renewals.domain.terms import OPEN_STATES, RENEWED_STATES, State, Term

ZERO = Decimal(0)
FORECAST_CATEGORIES = ("commit", "best_case", "pipeline", "omitted")


@dataclass(frozen=True, slots=True)
class ForecastRow:
    period_start: date
    period_label: str
    group: str | None
    currency: str | None = None  # every amount's; None only for a row of no terms
    due_count: int = 0
    due_arr: Decimal = ZERO
    booked_count: int = 0
    booked_arr: Decimal = ZERO
    churned_count: int = 0
    churned_arr: Decimal = ZERO
    open_count: int = 0
    open_arr: Decimal = ZERO
    expected_arr: Decimal = ZERO
    commit_arr: Decimal = ZERO
    best_case_arr: Decimal = ZERO
    pipeline_arr: Decimal = ZERO
    omitted_arr: Decimal = ZERO
    at_risk_count: int = 0
    at_risk_arr: Decimal = ZERO
    # The model's view: open terms by `calls.model_category`, at their category ARR.
    model_commit_arr: Decimal = ZERO
    model_best_case_arr: Decimal = ZERO
    model_at_risk_arr: Decimal = ZERO
    # The manager's calls on open terms, at their category ARR, and how many have one.
    called_count: int = 0
    call_commit_arr: Decimal = ZERO
    call_best_case_arr: Decimal = ZERO
    call_at_risk_arr: Decimal = ZERO
    call_omitted_arr: Decimal = ZERO
    state_counts: dict[State, int] = field(default_factory=dict)


_LABEL_FIELDS = {"period_start", "period_label", "group", "currency", "state_counts"}
_SUMMED_FIELDS = tuple(f.name for f in fields(ForecastRow) if f.name not in _LABEL_FIELDS)


def forecast(
    terms: Iterable[Term],
    today: date,
    policy: RenewalPolicy,
    *,
    start: date,
    end: date,
    period: Period = "month",
    by: GroupBy | None = None,
) -> list[ForecastRow]:
    """Rows for every period touching [start, end] (× every group seen × every currency
    seen), in order."""
    evaluator = Evaluator(policy)
    due = [term for term in terms if start <= term.end_date <= end]
    cells: dict[tuple[date, str | None, str], list[ForecastRow]] = {}
    for term in due:
        key = (period_start(term.end_date, period), group_of(term, by), term.currency)
        cells.setdefault(key, []).append(_contribution(evaluator.evaluate(term, today), policy))
    groups = sorted({group for _, group, _ in cells}, key=str) if by else [None]
    currencies: list[str | None] = sorted({currency for _, _, currency in cells}) or [None]
    rows = []
    for first_day in periods_between(start, end, period):
        for group in groups:
            for currency in currencies:
                empty = ForecastRow(first_day, period_label(first_day, period), group, currency)
                rows.append(combine([empty, *cells.get((first_day, group, currency or ""), [])]))
    return rows


def combine(rows: Sequence[ForecastRow], *, label: str | None = None) -> ForecastRow:
    """Field-wise sum of rows of one currency; labels come from the first row unless
    `label` is given."""
    first = rows[0]
    if len({row.currency for row in rows if row.currency}) > 1:
        raise ValueError("rows in different currencies are not added up: convert them first")
    # Counts start from int 0 and amounts from Decimal 0, so each keeps its type.
    totals: dict[str, Any] = {
        name: sum((getattr(row, name) for row in rows), type(getattr(first, name))())
        for name in _SUMMED_FIELDS
    }
    counts: dict[State, int] = {}
    for row in rows:
        for state, count in row.state_counts.items():
            counts[state] = counts.get(state, 0) + count
    return ForecastRow(
        period_start=first.period_start,
        period_label=label or first.period_label,
        group=first.group,
        currency=first.currency,
        state_counts=counts,
        **totals,
    )


def _contribution(evaluation: Evaluation, policy: RenewalPolicy) -> ForecastRow:
    """One term's figures; `combine` puts them under their period's labels."""
    term, state = evaluation.term, evaluation.state
    row = {"due_count": 1, "due_arr": term.arr, "state_counts": {state: 1}}
    if state in RENEWED_STATES and term.booking is not None:
        new_arr = term.booking.new_arr
        row |= {"booked_count": 1, "booked_arr": new_arr, "expected_arr": new_arr}
    elif state in OPEN_STATES:
        row |= _open_figures(evaluation, policy)
    else:
        row |= {"churned_count": 1, "churned_arr": term.arr}
    return ForecastRow(term.end_date, "", None, term.currency, **row)  # type: ignore[arg-type]


def _open_figures(evaluation: Evaluation, policy: RenewalPolicy) -> dict[str, object]:
    term = evaluation.term
    figures: dict[str, object] = {
        "open_count": 1,
        "open_arr": term.arr,
        "expected_arr": evaluation.expected_arr,
    }
    opportunity = term.opportunity
    amount = term.arr
    if opportunity is not None and opportunity.amount is not None:
        amount = opportunity.amount
    if opportunity is not None and opportunity.forecast_category in FORECAST_CATEGORIES:
        figures[f"{opportunity.forecast_category}_arr"] = amount
    figures[f"model_{evaluation.model_category(policy.forecast)}_arr"] = amount
    if at_risk(term, evaluation.risk, evaluation.today, policy):
        figures |= {"at_risk_count": 1, "at_risk_arr": term.arr}
    return figures


# The figures of a ForecastRow, in the order the API and the CSV export show them.
FORECAST_FIELDS = (
    "due_count",
    "due_arr",
    "booked_count",
    "booked_arr",
    "churned_count",
    "churned_arr",
    "open_count",
    "open_arr",
    "expected_arr",
    "commit_arr",
    "best_case_arr",
    "pipeline_arr",
    "omitted_arr",
    "at_risk_count",
    "at_risk_arr",
    "model_commit_arr",
    "model_best_case_arr",
    "model_at_risk_arr",
    "called_count",
    "call_commit_arr",
    "call_best_case_arr",
    "call_at_risk_arr",
    "call_omitted_arr",
)
