"""Forecast and KPI aggregates in SQL: one GROUP BY over the pre-computed `terms` columns.

The columns hold each term's figures as of its last evaluation (the transitions job
re-evaluates open terms daily), and follow the same rules as `domain.forecast` and
`domain.kpis`; the integration tests check both give the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from radar_renewals.domain.calls import CallCategory
from radar_renewals.domain.forecast import FORECAST_CATEGORIES, FORECAST_FIELDS, ForecastRow
from radar_renewals.domain.grouping import UNKNOWN_GROUP, GroupBy
from radar_renewals.domain.kpis import KpiRow, PeriodKpis
from radar_renewals.domain.periods import Period, period_label, periods_between
from radar_renewals.domain.terms import State
from radar_renewals.store.calls import CALL_OF_TERM
from radar_renewals.store.tables import current_calls, terms

ZERO = Decimal(0)


def _group(by: GroupBy | None) -> ColumnElement[Any]:
    if by is None:
        return literal(None).label("grp")
    return func.coalesce(func.nullif(terms.c[by], ""), UNKNOWN_GROUP).label("grp")


def _period(period: Period) -> ColumnElement[Any]:
    column = terms.c.renewal_month if period == "month" else terms.c.renewal_quarter
    return column.label("period_start")


def _count(condition: ColumnElement[bool]) -> ColumnElement[Any]:
    return func.count().filter(condition)


def _sum(column: Any, condition: ColumnElement[bool] | None = None) -> ColumnElement[Any]:
    summed = func.sum(column) if condition is None else func.sum(column).filter(condition)
    return func.coalesce(summed, 0)


_MODEL = tuple(c.value for c in CallCategory if c is not CallCategory.OMITTED)
_CALLS = tuple(c.value for c in CallCategory)


def _by_category(
    column: ColumnElement[Any], label: str, names: Sequence[str]
) -> list[ColumnElement[Any]]:
    """Category ARR of open terms, one sum per category name."""
    return [
        _sum(terms.c.category_arr, terms.c.is_open & (column == name)).label(label.format(name))
        for name in names
    ]


def _in_range(start: date, end: date) -> ColumnElement[bool]:
    return terms.c.end_date.between(start, end)


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
    is_open, renewed, churned = terms.c.is_open, terms.c.is_renewed, terms.c.is_churned
    at_risk = terms.c.at_risk
    state_columns = [_count(terms.c.state == state.value).label(state.value) for state in State]
    query = (
        select(
            _period(period),
            _group(by),
            terms.c.currency,
            func.count().label("due_count"),
            _sum(terms.c.arr).label("due_arr"),
            _count(renewed).label("booked_count"),
            _sum(terms.c.new_arr, renewed).label("booked_arr"),
            _count(churned).label("churned_count"),
            _sum(terms.c.arr, churned).label("churned_arr"),
            _count(is_open).label("open_count"),
            _sum(terms.c.arr, is_open).label("open_arr"),
            _sum(terms.c.expected_arr).label("expected_arr"),
            *_by_category(terms.c.forecast_category, "{}_arr", FORECAST_CATEGORIES),
            _count(at_risk).label("at_risk_count"),
            _sum(terms.c.arr, at_risk).label("at_risk_arr"),
            *_by_category(terms.c.model_category, "model_{}_arr", _MODEL),
            _count(is_open & current_calls.c.category.is_not(None)).label("called_count"),
            *_by_category(current_calls.c.category, "call_{}_arr", _CALLS),
            *state_columns,
        )
        .select_from(terms.outerjoin(current_calls, CALL_OF_TERM))
        .where(_in_range(start, end))
        .group_by("period_start", "grp", terms.c.currency)
    )
    cells: dict[tuple[date, str | None, str], dict[str, Any]] = {}
    for r in (await session.execute(query)).mappings():
        values: dict[str, Any] = {name: r[name] for name in FORECAST_FIELDS}
        values["state_counts"] = {state: r[state.value] for state in State if r[state.value]}
        cells[(r["period_start"], r["grp"], r["currency"])] = values
    groups: Sequence[str | None] = sorted({g for _, g, _ in cells}, key=str) if by else [None]
    currencies: Sequence[str | None] = sorted({c for _, _, c in cells}) or [None]
    return [
        ForecastRow(
            first_day,
            period_label(first_day, period),
            group,
            currency,
            **cells.get((first_day, group, currency or ""), {}),
        )
        for first_day in periods_between(start, end, period)
        for group in groups
        for currency in currencies
    ]


def _kpi_columns() -> list[ColumnElement[Any]]:
    is_open, renewed, churned = terms.c.is_open, terms.c.is_renewed, terms.c.is_churned
    change = terms.c.new_arr - terms.c.arr
    return [
        func.count().label("due_count"),
        _count(is_open).label("open_count"),
        _sum(terms.c.arr, is_open).label("open_arr"),
        _count(terms.c.state == State.RENEWED_EARLY.value).label("early_count"),
        _count(terms.c.state == State.RENEWED_ON_TIME.value).label("on_time_count"),
        _count(terms.c.state == State.RENEWED_LATE.value).label("late_count"),
        _count(churned).label("churned_count"),
        _sum(terms.c.arr, ~is_open).label("start_arr"),
        _sum(func.greatest(change, 0), renewed).label("expansion_arr"),
        _sum(func.greatest(-change, 0), renewed).label("contraction_arr"),
        _sum(terms.c.arr, churned).label("churned_arr"),
    ]


_KPI_FIELDS = (
    "due_count",
    "open_count",
    "open_arr",
    "early_count",
    "on_time_count",
    "late_count",
    "churned_count",
    "start_arr",
    "expansion_arr",
    "contraction_arr",
    "churned_arr",
)


async def kpi_rows(
    session: AsyncSession, *, start: date, end: date, by: GroupBy | None
) -> list[KpiRow]:
    """Like `domain.kpis.kpis`: one row per group and currency seen (one empty row when
    nothing is due)."""
    query = (
        select(_group(by), terms.c.currency, *_kpi_columns())
        .where(_in_range(start, end))
        .group_by("grp", terms.c.currency)
    )
    rows = {
        (r["grp"], r["currency"]): KpiRow(
            r["grp"], r["currency"], **{name: r[name] for name in _KPI_FIELDS}
        )
        for r in (await session.execute(query)).mappings()
    }
    if not rows:
        return [KpiRow(None)]
    return [rows[key] for key in sorted(rows, key=str)]


async def kpis_by_period(
    session: AsyncSession, *, start: date, end: date, period: Period
) -> list[PeriodKpis]:
    """Ungrouped KPIs for every period touching [start, end] and currency due in it,
    empty periods included (one empty row)."""
    query = (
        select(_period(period), terms.c.currency, *_kpi_columns())
        .where(_in_range(start, end))
        .group_by("period_start", terms.c.currency)
        .order_by("period_start", terms.c.currency)
    )
    found: dict[date, list[KpiRow]] = {}
    for r in (await session.execute(query)).mappings():
        row = KpiRow(None, r["currency"], **{name: r[name] for name in _KPI_FIELDS})
        found.setdefault(r["period_start"], []).append(row)
    return [
        PeriodKpis(first_day, period_label(first_day, period), row)
        for first_day in periods_between(start, end, period)
        for row in found.get(first_day, [KpiRow(None)])
    ]
