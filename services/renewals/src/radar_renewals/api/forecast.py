"""Forecast and KPIs for renewal-ops leads: JSON, or CSV for a spreadsheet."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from radar_renewals.api.deps import (
    Day,
    GroupParam,
    Renewals,
    checked_range,
    month_range,
    plain_json,
)
from radar_renewals.api.models import (
    FORECAST_CSV_COLUMNS,
    disagreement_view,
    forecast_csv_row,
    forecast_view,
    kpi_view,
    per_currency_totals,
    reporting_view,
)
from radar_renewals.domain.forecast import combine
from radar_renewals.domain.kpis import combine_kpis
from radar_renewals.domain.money import in_reporting_currency
from radar_renewals.store import calls
from radar_renewals.store.aggregates import forecast_rows, kpi_rows
from radar_runtime import SessionDep

router = APIRouter(prefix="/v1", tags=["forecast"])

FromParam = Annotated[Day | None, Query(alias="from", description="First renewal date, inclusive.")]
ToParam = Annotated[Day | None, Query(alias="to", description="Last renewal date, inclusive.")]
# Without a range: the forecast looks a year ahead, the KPIs a year back (whole months).
DEFAULT_MONTHS = 12
# The largest renewals whose CRM category, model and manager call disagree.
DISAGREEMENTS = 25
DisagreementsParam = Annotated[
    int,
    Query(
        ge=0,
        le=100,
        description="How many of the largest disagreements to list (0: not looked for, null).",
    ),
]


@router.get(
    "/forecast",
    response_model=None,
    responses={
        200: {
            "description": "The forecast as JSON, or as CSV with format=csv",
            "content": {"application/json": {}, "text/csv": {}},
        }
    },
)
async def get_forecast(
    session: SessionDep,
    renewals: Renewals,
    start: FromParam = None,
    end: ToParam = None,
    period: Literal["month", "quarter"] = "month",
    by: GroupParam = None,
    format: Literal["json", "csv"] = "json",
    disagreements: DisagreementsParam = DISAGREEMENTS,
) -> Response:
    """Renewals due per period: due, booked, expected, commit, best case and at-risk ARR,
    and the open renewals in three views side by side (`views`: the CRM's categories,
    the model's, the managers' calls; `differences` between them), with the largest
    renewals where they disagree by two steps or more (`disagreements`).

    One row per period (and group) and currency: amounts are never added across
    currencies. `reporting` converts them to the rule file's reporting currency when its
    rates cover every currency present (null otherwise). Without `from`/`to`: this month
    and the next eleven."""
    today = renewals.today()
    ahead = month_range(today, first=0, months=DEFAULT_MONTHS)
    start, end = checked_range(start or ahead[0], end or ahead[1])
    rows = await forecast_rows(session, start=start, end=end, period=period, by=by)
    if format == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(FORECAST_CSV_COLUMNS)
        writer.writerows(forecast_csv_row(row) for row in rows)
        filename = f"renewal-forecast-{start}-{end}-{period}.csv"
        return Response(
            buffer.getvalue(),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
    policy = renewals.rules.currency
    converted = in_reporting_currency(
        rows, policy, lambda row: (row.period_start, row.group), combine
    )
    apart = await calls.disagreements(session, start, end, disagreements) if disagreements else None
    converted_totals = replace(combine(converted, label="total"), group=None) if converted else None
    return plain_json(
        {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "period": period,
            "by": by,
            "as_of": today.isoformat(),
            "currencies": sorted({row.currency for row in rows if row.currency}),
            "rows": [forecast_view(row) for row in rows],
            "totals": [forecast_view(row) for row in per_currency_totals(rows)],
            "reporting": reporting_view(policy, converted, forecast_view, converted_totals),
            # null when not looked for (disagreements=0), [] when there are none.
            "disagreements": None
            if apart is None
            else [disagreement_view(row, today) for row in apart],
        }
    )


@router.get("/kpis", response_class=JSONResponse)
async def get_kpis(
    session: SessionDep,
    renewals: Renewals,
    start: FromParam = None,
    end: ToParam = None,
    by: GroupParam = None,
) -> JSONResponse:
    """Renewal KPIs of the terms due in the range, each rate with the counts and ARR behind it,
    per currency (and in the reporting currency under `reporting`, as the forecast).

    Rates divide by the due terms that have resolved (renewed or churned); terms still
    open are reported under `open` and join the rates once they resolve. Without
    `from`/`to`: the last twelve months, this one included.
    """
    today = renewals.today()
    back = month_range(today, first=1 - DEFAULT_MONTHS, months=DEFAULT_MONTHS)
    start, end = checked_range(start or back[0], end or back[1])
    rows = await kpi_rows(session, start=start, end=end, by=by)
    policy = renewals.rules.currency
    converted = in_reporting_currency(rows, policy, lambda row: row.group, combine_kpis)
    return plain_json(
        {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "by": by,
            "as_of": today.isoformat(),
            "currencies": sorted({row.currency for row in rows if row.currency}),
            "rows": [kpi_view(row) for row in rows],
            "reporting": reporting_view(policy, converted, kpi_view),
        }
    )
