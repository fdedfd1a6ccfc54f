"""The renewals report's three charts, from plain per-period figures.

The renewals service's HTML report and the console draw these same functions from the
same figures (the forecast and KPI rows), so a chart reads the same wherever it is shown.
"""

from collections.abc import Mapping, Sequence

from radar_charts.charts import Series, finish, line_chart, stacked_bar_chart
from radar_charts.plot import BOTTOM, TOP, Plot
from radar_charts.svg import compact, element, nice_ticks

# Renewal states in the order they are stacked, each with its colour.
STATE_COLOURS = {
    "upcoming": "#9ca3af",
    "in_window": "#60a5fa",
    "overdue": "#f59e0b",
    "renewed_early": "#15803d",
    "renewed_on_time": "#22c55e",
    "renewed_late": "#a3e635",
    "churned": "#dc2626",
}
DUE_COLOUR, AT_RISK_COLOUR = "#93c5fd", "#dc2626"
PANEL_GAP = 28.0


def renewals_due_chart(periods: Sequence[str], state_counts: Sequence[Mapping[str, int]]) -> str:
    """Renewals due per period, stacked by renewal state (`state_counts[i]` for period i)."""
    states = [s for s in STATE_COLOURS if any(counts.get(s) for counts in state_counts)]
    series = [
        Series(state, [counts.get(state, 0) for counts in state_counts], STATE_COLOURS[state])
        for state in states
    ]
    return stacked_bar_chart(
        "Renewals due by state",
        periods,
        series,
        y_label="renewals due",
        x_label="renewal date",
    )


def arr_at_risk_chart(
    periods: Sequence[str], due: Sequence[float], at_risk: Sequence[float], currency: str = ""
) -> str:
    """ARR due (upper panel) over ARR at risk (lower panel), periods aligned.

    At risk is usually a few percent of due: on one shared axis its bars are slivers and a
    second y axis on the same bars would invite comparing heights drawn to different
    scales. So each panel has its own axis, and each at-risk bar is labelled with its
    amount and its share of the ARR due, which keeps the proportion explicit."""
    money = f" ({currency})" if currency else ""
    due_series = Series("ARR due", due, DUE_COLOUR)
    risk_series = Series("ARR at risk", at_risk, AT_RISK_COLOUR)
    middle = (TOP + BOTTOM) / 2
    upper = Plot(periods, nice_ticks(max(due, default=0.0)), TOP, middle - PANEL_GAP / 2)
    lower = Plot(periods, nice_ticks(max(at_risk, default=0.0) * 1.15), middle + PANEL_GAP / 2)
    shapes = []
    for index, (due_value, risk_value) in enumerate(zip(due, at_risk, strict=True)):
        if due_value:
            shapes.append(
                upper.bar(
                    index, due_value, base=0.0, series="ARR due", colour=DUE_COLOUR, share=0.6
                )
            )
        if risk_value:
            shapes.append(
                lower.bar(
                    index,
                    risk_value,
                    base=0.0,
                    series="ARR at risk",
                    colour=AT_RISK_COLOUR,
                    share=0.6,
                )
            )
            share = f" · {risk_value / due_value:.0%}" if due_value else ""
            shapes.append(lower.label(index, risk_value, f"{compact(risk_value)}{share}"))
    body = [
        upper.axes(f"ARR due{money}", ""),
        lower.axes(f"at risk{money}", "renewal date"),
        element("g", "".join(shapes), class_="bars"),
    ]
    title = f"ARR at risk by period{money}"
    return finish(title, lower, [due_series, risk_series], [DUE_COLOUR, AT_RISK_COLOUR], body)


def on_time_rate_chart(periods: Sequence[str], rates: Sequence[float | None]) -> str:
    """On-time renewal rate per period, `rates` as fractions (None: nothing resolved)."""
    return line_chart(
        "On-time renewal rate",
        periods,
        [
            Series(
                "on-time renewal rate", [None if r is None else r * 100 for r in rates], "#16a34a"
            )
        ],
        y_label="on time (%)",
        x_label="renewal date",
        y_max=100,
        unit=" %",
    )
