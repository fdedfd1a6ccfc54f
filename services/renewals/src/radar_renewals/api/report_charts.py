"""The report's charts from forecast rows and period KPIs, drawn by the shared radar_charts
(the console draws the same functions from the same rows through the forecast API)."""

from collections.abc import Sequence

import radar_charts
from radar_renewals.domain.forecast import ForecastRow
from radar_renewals.domain.kpis import PeriodKpis


def renewals_due_chart(rows: Sequence[ForecastRow]) -> str:
    """Renewals due per period, stacked by state (ungrouped forecast rows)."""
    return radar_charts.renewals_due_chart(
        [row.period_label for row in rows],
        [{str(state): count for state, count in row.state_counts.items()} for row in rows],
    )


def arr_at_risk_chart(rows: Sequence[ForecastRow], currency: str = "") -> str:
    return radar_charts.arr_at_risk_chart(
        [row.period_label for row in rows],
        [float(row.due_arr) for row in rows],
        [float(row.at_risk_arr) for row in rows],
        currency,
    )


def on_time_rate_chart(points: Sequence[PeriodKpis]) -> str:
    return radar_charts.on_time_rate_chart(
        [p.period_label for p in points], [p.kpis.on_time_rate for p in points]
    )
