"""Renewal KPIs over the terms due in a date range, with the counts and ARR behind them.

- Due: a term whose end date lies in [start, end] (both inclusive).
- Resolved: renewed (early, on time, late) or churned as of `today`. Still-open
  terms (upcoming, in window, overdue) are left out of every rate until they
  resolve and are reported separately as `open_count` / `open_arr`, so an
  unfinished month does not look like churn.
- Rates divide by resolved terms; ARR ratios by the resolved terms' start ARR.
  With nothing resolved a rate is None, not 0.
- A win-back (booked after the tolerance) counts as churn of the term; the new
  ARR is new business, not expansion.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date, timedelta
from decimal import Decimal

from radar_renewals.domain.grouping import GroupBy, group_of
from radar_renewals.domain.periods import Period, next_period_start, period_label, periods_between
from radar_renewals.domain.policy import RenewalPolicy
from radar_renewals.domain.terms import OPEN_STATES, State, Term, state_of

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class KpiRow:
    group: str | None
    currency: str | None = None  # of every amount; None only for a row of no terms
    due_count: int = 0
    open_count: int = 0
    open_arr: Decimal = ZERO
    early_count: int = 0
    on_time_count: int = 0
    late_count: int = 0
    churned_count: int = 0
    start_arr: Decimal = ZERO  # ARR of the resolved terms at their end
    expansion_arr: Decimal = ZERO
    contraction_arr: Decimal = ZERO
    churned_arr: Decimal = ZERO

    @property
    def renewed_count(self) -> int:
        return self.early_count + self.on_time_count + self.late_count

    @property
    def resolved_count(self) -> int:
        return self.renewed_count + self.churned_count

    @property
    def on_time_rate(self) -> float | None:
        """(early + on time) / resolved: renewals signed by the grace day."""
        return _ratio(self.early_count + self.on_time_count, self.resolved_count)

    @property
    def early_rate(self) -> float | None:
        return _ratio(self.early_count, self.resolved_count)

    @property
    def late_rate(self) -> float | None:
        return _ratio(self.late_count, self.resolved_count)

    @property
    def logo_retention(self) -> float | None:
        return _ratio(self.renewed_count, self.resolved_count)

    @property
    def grr(self) -> float | None:
        """(start ARR − contraction − churn) / start ARR."""
        kept = self.start_arr - self.contraction_arr - self.churned_arr
        return _ratio(kept, self.start_arr)

    @property
    def nrr(self) -> float | None:
        """(start ARR + expansion − contraction − churn) / start ARR."""
        kept = self.start_arr + self.expansion_arr - self.contraction_arr - self.churned_arr
        return _ratio(kept, self.start_arr)


def combine_kpis(rows: Sequence[KpiRow]) -> KpiRow:
    """Field-wise sum of rows of one currency (labels from the first)."""
    first = rows[0]
    if len({row.currency for row in rows if row.currency}) > 1:
        raise ValueError("rows in different currencies are not added up: convert them first")
    totals = {
        f.name: sum((getattr(row, f.name) for row in rows), type(getattr(first, f.name))())
        for f in fields(KpiRow)
        if f.name not in ("group", "currency")
    }
    return KpiRow(first.group, first.currency, **totals)


@dataclass(frozen=True, slots=True)
class PeriodKpis:
    period_start: date
    period_label: str
    kpis: KpiRow


def kpis(
    terms: Iterable[Term],
    today: date,
    policy: RenewalPolicy,
    *,
    start: date,
    end: date,
    by: GroupBy | None = None,
) -> list[KpiRow]:
    """One row per group and currency seen (one row, group and currency None, when
    nothing is due)."""
    tallies: dict[tuple[str | None, str | None], _Tally] = {}
    for term in terms:
        if start <= term.end_date <= end:
            key = (group_of(term, by), term.currency)
            tallies.setdefault(key, _Tally()).add(term, today, policy)
    if not tallies:
        return [KpiRow(None)]
    return [tallies[key].row(*key) for key in sorted(tallies, key=str)]


def kpis_by_period(
    terms: Iterable[Term],
    today: date,
    policy: RenewalPolicy,
    *,
    start: date,
    end: date,
    period: Period = "month",
) -> list[PeriodKpis]:
    """Ungrouped KPIs for each period touching [start, end] (one per currency due in it),
    clipped to that range."""
    due = list(terms)
    rows = []
    for first_day in periods_between(start, end, period):
        last_day = next_period_start(first_day, period) - timedelta(days=1)
        for row in kpis(due, today, policy, start=max(start, first_day), end=min(end, last_day)):
            rows.append(PeriodKpis(first_day, period_label(first_day, period), row))
    return rows


class _Tally:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.amounts: dict[str, Decimal] = {}

    def add(self, term: Term, today: date, policy: RenewalPolicy) -> None:
        state = state_of(term, today, policy.timing.for_segment(term.segment))
        self._count("due_count")
        if state in OPEN_STATES:
            self._count("open_count")
            self._amount("open_arr", term.arr)
            return
        self._amount("start_arr", term.arr)
        if state is State.CHURNED or term.booking is None:
            self._count("churned_count")
            self._amount("churned_arr", term.arr)
            return
        self._count(_COUNT_BY_STATE[state])
        change = term.booking.new_arr - term.arr
        self._amount("expansion_arr", max(change, ZERO))
        self._amount("contraction_arr", max(-change, ZERO))

    def row(self, group: str | None, currency: str | None) -> KpiRow:
        return KpiRow(group, currency, **self.counts, **self.amounts)  # type: ignore[arg-type]

    def _count(self, name: str) -> None:
        self.counts[name] = self.counts.get(name, 0) + 1

    def _amount(self, name: str, value: Decimal) -> None:
        self.amounts[name] = self.amounts.get(name, ZERO) + value


_COUNT_BY_STATE = {
    State.RENEWED_EARLY: "early_count",
    State.RENEWED_ON_TIME: "on_time_count",
    State.RENEWED_LATE: "late_count",
}


def _ratio(part: Decimal | int, whole: Decimal | int) -> float | None:
    return None if not whole else float(Decimal(part) / Decimal(whole))
