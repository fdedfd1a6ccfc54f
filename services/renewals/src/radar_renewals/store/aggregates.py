"""Forecast and KPI aggregates in SQL, summed from the term totals per renewal day.

`term_totals` (with its pending changes, `store.totals`) holds every measure per day,
currency, segment and region, so a range of any size is a sum over a few thousand rows.
Grouped by owner, the same measures are summed from `terms` itself (the totals are not
kept per owner). Either way they follow the rules of `domain.forecast` and
`domain.kpis`; the integration tests check all give the same numbers. The managers'
calls come from `current_calls` joined to the terms that have one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Date,
    DateTime,
    FromClause,
    cast,
    func,
    literal,
    literal_column,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession

from radar_renewals.domain.calls import CallCategory
from radar_renewals.domain.forecast import FORECAST_FIELDS, ForecastRow
from radar_renewals.domain.grouping import UNKNOWN_GROUP, GroupBy
from radar_renewals.domain.kpis import KpiRow, PeriodKpis
from radar_renewals.domain.periods import Period, period_label, periods_between
from radar_renewals.domain.terms import State
from radar_renewals.store.calls import CALL_OF_TERM
from radar_renewals.store.tables import TOTAL_COUNTS, current_calls, terms
from radar_renewals.store.totals import MEASURES, all_totals

ZERO = Decimal(0)
_CALL_CATEGORIES = tuple(c.value for c in CallCategory)
# KpiRow's fields by measure.
_KPI_MEASURES = {
    "due_count": "due_count",
    "open_count": "open_count",
    "open_arr": "open_arr",
    "early_count": f"state_{State.RENEWED_EARLY.value}",
    "on_time_count": f"state_{State.RENEWED_ON_TIME.value}",
    "late_count": f"state_{State.RENEWED_LATE.value}",
    "churned_count": "churned_count",
    "start_arr": "start_arr",
    "expansion_arr": "expansion_arr",
    "contraction_arr": "contraction_arr",
    "churned_arr": "churned_arr",
}

Cells = dict[tuple[date | None, str | None, str], dict[str, Any]]


async def forecast_rows(
    session: AsyncSession,
    *,
    start: date,
    end: date,
    period: Period,
    by: GroupBy | None,
) -> list[ForecastRow]:
    """Like `domain.forecast.forecast`: every (period, group, currency) in range, zeros
    included (each currency due anywhere in the range)."""
    cells = await _measured(session, start, end, period, by)
    # A second statement: a term written in between may be in one and not the other, so
    # calls join only the cells measured (never a currency or group of their own).
    for key, calls in (await _called(session, start, end, period, by)).items():
        if key in cells:
            cells[key].update(calls)
    groups: Sequence[str | None] = sorted({g for _, g, _ in cells}, key=str) if by else [None]
    currencies: Sequence[str | None] = sorted({c for _, _, c in cells}) or [None]
    return [
        ForecastRow(
            first_day,
            period_label(first_day, period),
            group,
            currency,
            **_forecast_fields(cells.get((first_day, group, currency or ""), {})),
        )
        for first_day in periods_between(start, end, period)
        for group in groups
        for currency in currencies
    ]


async def kpi_rows(
    session: AsyncSession, *, start: date, end: date, by: GroupBy | None
) -> list[KpiRow]:
    """Like `domain.kpis.kpis`: one row per group and currency seen (one empty row when
    nothing is due)."""
    cells = await _measured(session, start, end, None, by)
    if not cells:
        return [KpiRow(None)]
    return [
        KpiRow(group, currency, **_kpi_fields(cells[(None, group, currency)]))
        for _, group, currency in sorted(cells, key=lambda key: str(key[1:]))
    ]


async def kpis_by_period(
    session: AsyncSession, *, start: date, end: date, period: Period
) -> list[PeriodKpis]:
    """Ungrouped KPIs for every period touching [start, end] and currency due in it,
    empty periods included (one empty row)."""
    cells = await _measured(session, start, end, period, None)
    found: dict[date, list[KpiRow]] = {}
    for (first_day, _, currency), values in sorted(cells.items(), key=lambda kv: str(kv[0])):
        assert first_day is not None  # grouped by period
        found.setdefault(first_day, []).append(KpiRow(None, currency, **_kpi_fields(values)))
    return [
        PeriodKpis(first_day, period_label(first_day, period), row)
        for first_day in periods_between(start, end, period)
        for row in found.get(first_day, [KpiRow(None)])
    ]


async def _measured(
    session: AsyncSession, start: date, end: date, period: Period | None, by: GroupBy | None
) -> Cells:
    """Every measure summed per (period, group, currency) with a term due in range;
    period None sums the whole range."""
    if by == "owner":
        source: FromClause = terms
        sums = _summed_from_terms()
    else:
        source = all_totals()
        sums = [_total(source.c[m], m) for m in MEASURES]
    query = (
        select(
            _period(source, period),
            _group(source, by),
            source.c.currency,
            *(s.label(m) for s, m in zip(sums, MEASURES, strict=True)),
        )
        .where(source.c.end_date.between(start, end))
        .group_by("period_start", "grp", source.c.currency)
    )
    if by != "owner":  # a day whose terms all moved away sums to zero until folded
        query = query.having(func.sum(source.c.due_count) > 0)
    return {
        (r["period_start"], r["grp"], r["currency"]): {m: r[m] for m in MEASURES}
        for r in (await session.execute(query)).mappings()
    }


async def _called(
    session: AsyncSession, start: date, end: date, period: Period, by: GroupBy | None
) -> Cells:
    """The managers' calls on open terms per (period, group, currency): how many, and
    the category ARR of each call category."""
    called = current_calls.c.category
    query = (
        select(
            _period(terms, period),
            _group(terms, by),
            terms.c.currency,
            func.count().label("called_count"),
            *(
                func.coalesce(func.sum(terms.c.category_arr).filter(called == name), 0).label(
                    f"call_{name}_arr"
                )
                for name in _CALL_CATEGORIES
            ),
        )
        .select_from(current_calls.join(terms, CALL_OF_TERM))
        .where(terms.c.is_open, terms.c.end_date.between(start, end))
        .group_by("period_start", "grp", terms.c.currency)
    )
    return {
        (r["period_start"], r["grp"], r["currency"]): {
            k: v for k, v in r.items() if k not in ("period_start", "grp", "currency")
        }
        for r in (await session.execute(query)).mappings()
    }


def _period(source: FromClause, period: Period | None) -> ColumnElement[Any]:
    if period is None:
        return literal(None, Date).label("period_start")
    # The unit as SQL text: a bound parameter would make GROUP BY see two expressions.
    first_day = func.date_trunc(literal_column(f"'{period}'"), cast(source.c.end_date, DateTime))
    return cast(first_day, Date).label("period_start")


def _total(column: Any, measure: str) -> ColumnElement[Any]:
    """A count sums to numeric in PostgreSQL: back to an integer."""
    summed = func.sum(column)
    return cast(summed, BigInteger) if measure in TOTAL_COUNTS else summed


def _group(source: FromClause, by: GroupBy | None) -> ColumnElement[Any]:
    if by is None:
        return literal(None).label("grp")
    return func.coalesce(func.nullif(source.c[by], ""), UNKNOWN_GROUP).label("grp")


def _summed_from_terms() -> list[ColumnElement[Any]]:
    """The measures of `store.totals.MEASURES`, in order, summed from `terms` (each term's
    contribution as the totals' triggers compute it)."""
    t = terms.c

    def amount(column: Any, condition: ColumnElement[bool]) -> ColumnElement[Any]:
        return func.coalesce(func.sum(column).filter(condition), 0)

    def count(condition: ColumnElement[bool]) -> ColumnElement[Any]:
        return func.count().filter(condition)

    def category(column: Any, name: str) -> ColumnElement[Any]:
        return amount(t.category_arr, t.is_open & (column == name))

    change = t.new_arr - t.arr
    by_name: dict[str, ColumnElement[Any]] = {
        "due_count": func.count(),
        "booked_count": count(t.is_renewed),
        "churned_count": count(t.is_churned),
        "open_count": count(t.is_open),
        "at_risk_count": count(t.at_risk),
        **{f"state_{s.value}": count(t.state == s.value) for s in State},
        "due_arr": func.coalesce(func.sum(t.arr), 0),
        "booked_arr": amount(t.new_arr, t.is_renewed),
        "churned_arr": amount(t.arr, t.is_churned),
        "open_arr": amount(t.arr, t.is_open),
        "expected_arr": func.coalesce(func.sum(t.expected_arr), 0),
        **{f"{c}_arr": category(t.forecast_category, c) for c in _FORECAST_CATEGORIES},
        "at_risk_arr": amount(t.arr, t.at_risk),
        **{f"model_{c}_arr": category(t.model_category, c) for c in _MODEL_CATEGORIES},
        "start_arr": amount(t.arr, ~t.is_open),
        "expansion_arr": amount(func.greatest(change, 0), t.is_renewed),
        "contraction_arr": amount(func.greatest(-change, 0), t.is_renewed),
    }
    return [by_name[m] for m in MEASURES]


_FORECAST_CATEGORIES = ("commit", "best_case", "pipeline", "omitted")
_MODEL_CATEGORIES = tuple(c.value for c in CallCategory if c is not CallCategory.OMITTED)


def _forecast_fields(values: dict[str, Any]) -> dict[str, Any]:
    if not values:
        return {}
    fields = {name: values[name] for name in FORECAST_FIELDS if name in values}
    fields["state_counts"] = {
        s: values[f"state_{s.value}"] for s in State if values.get(f"state_{s.value}")
    }
    return fields


def _kpi_fields(values: dict[str, Any]) -> dict[str, Any]:
    return {field: values[measure] for field, measure in _KPI_MEASURES.items()}
