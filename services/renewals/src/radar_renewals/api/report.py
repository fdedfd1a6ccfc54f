"""The leadership report: KPIs, three charts and the largest renewals at risk, as HTML."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from radar_renewals.api.deps import JSON_ERRORS, Day, Renewals, checked_range, month_range
from radar_renewals.api.live import evaluate_now
from radar_renewals.api.report_page import ReportData, render_report
from radar_renewals.store.aggregates import forecast_rows, kpi_rows, kpis_by_period
from radar_renewals.store.terms import first_renewal_date, largest_at_risk
from radar_runtime import SessionDep

router = APIRouter(prefix="/v1/reports", tags=["reports"])

MONTHS_BACK = 11
MONTHS_AHEAD = 6
AT_RISK_ROWS = 15


def default_range(today: date, first_due: date | None = None) -> tuple[date, date]:
    """The last 12 months (this one included) and the next 6, whole months; starting no
    earlier than the month of the first renewal known, so it opens on data. When every
    renewal is due after that, the same span starts at the first one's month instead."""
    months = MONTHS_BACK + 1 + MONTHS_AHEAD
    start, end = month_range(today, first=-MONTHS_BACK, months=months)
    if first_due is not None and start < first_due <= end:
        start = first_due.replace(day=1)
    elif first_due is not None and first_due > end:
        start, end = month_range(first_due, first=0, months=months)
    return start, end


@router.get("/renewals", response_class=HTMLResponse, responses=JSON_ERRORS)
async def renewals_report(
    session: SessionDep,
    renewals: Renewals,
    start: Annotated[Day | None, Query(alias="from")] = None,
    end: Annotated[Day | None, Query(alias="to")] = None,
) -> HTMLResponse:
    """Renewals due by month and state, ARR at risk, on-time rate over time (printable).

    Without `from`: the last 12 months, or from the month of the first renewal known if
    that is later; without `to`: six months ahead."""
    today = renewals.today()
    default_start, default_end = default_range(today, await first_renewal_date(session))
    start, end = checked_range(start or default_start, end or default_end)
    forecast = await forecast_rows(session, start=start, end=end, period="month", by=None)
    on_time = await kpis_by_period(session, start=start, end=end, period="month")
    kpis = await kpi_rows(session, start=start, end=end, by=None)
    at_risk = await largest_at_risk(session, start, end, AT_RISK_ROWS)
    live = await evaluate_now(
        session, renewals.evaluator, {row.subscription_id for row in at_risk}, today
    )
    reasons = {
        key: top.explanation
        for key, evaluation in live.items()
        for top in evaluation.risk.top_drivers(limit=1)
    }
    data = ReportData(
        today, start, end, forecast, on_time, kpis, at_risk, reasons, renewals.rules.currency
    )
    return HTMLResponse(render_report(data))
