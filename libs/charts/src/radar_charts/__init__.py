"""Renewal Radar's one way to draw: pure functions from plain data to standalone SVG."""

from radar_charts.charts import Series, bar_chart, line_chart, stacked_bar_chart
from radar_charts.history import score_history_chart, sparkline, usage_chart
from radar_charts.report import (
    STATE_COLOURS,
    arr_at_risk_chart,
    on_time_rate_chart,
    renewals_due_chart,
)

__all__ = [
    "STATE_COLOURS",
    "Series",
    "arr_at_risk_chart",
    "bar_chart",
    "line_chart",
    "on_time_rate_chart",
    "renewals_due_chart",
    "score_history_chart",
    "sparkline",
    "stacked_bar_chart",
    "usage_chart",
]
