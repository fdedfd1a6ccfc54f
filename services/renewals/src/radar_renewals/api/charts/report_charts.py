"""SVG charts for the leadership report, as strings.

Three generic charts (stacked bars, bars with an optional line, lines) and three
adapters that draw them from forecast rows and period KPIs. Every bar is a
`<rect class="bar">` with `data-series`, `data-category`, `data-value` and a
`<title>` tooltip, so screen readers and tests can read it.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from radar_renewals.api.charts.plot import Plot, legend
from radar_renewals.api.charts.svg import compact, document, element, nice_ticks
from radar_renewals.domain.forecast import ForecastRow
from radar_renewals.domain.kpis import PeriodKpis
from radar_renewals.domain.terms import State

PALETTE = ("#2563eb", "#f59e0b", "#16a34a", "#dc2626", "#7c3aed", "#0891b2", "#9ca3af")
STATE_COLOURS = {
    State.UPCOMING: "#9ca3af",
    State.IN_WINDOW: "#60a5fa",
    State.OVERDUE: "#f59e0b",
    State.RENEWED_EARLY: "#15803d",
    State.RENEWED_ON_TIME: "#22c55e",
    State.RENEWED_LATE: "#a3e635",
    State.CHURNED: "#dc2626",
}


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: Sequence[float | None]  # None: no data for that category (a gap in a line)
    colour: str | None = None


def stacked_bar_chart(
    title: str, categories: Sequence[str], series: Sequence[Series], *, y_label: str, x_label: str
) -> str:
    _check_lengths(categories, series)
    totals = [sum(s.values[i] or 0.0 for s in series) for i in range(len(categories))]
    plot = Plot(categories, nice_ticks(max(totals, default=0.0)))
    colours = _colours(series)
    bars = []
    for index in range(len(categories)):
        base = 0.0
        for one, colour in zip(series, colours, strict=True):
            value = one.values[index] or 0.0
            if value > 0:  # a zero-height rect would only add noise for screen readers
                bars.append(
                    plot.bar(index, value, base=base, series=one.name, colour=colour, share=0.7)
                )
            base += value
    body = [plot.axes(y_label, x_label), element("g", "".join(bars), class_="bars")]
    return _finish(title, plot, series, colours, body)


def bar_chart(
    title: str,
    categories: Sequence[str],
    bars: Series,
    *,
    y_label: str,
    x_label: str,
    line: Series | None = None,
) -> str:
    """Bars for one series, with an optional line series on the same axis."""
    series = [bars, line] if line else [bars]
    _check_lengths(categories, series)
    values = [v for s in series for v in s.values if v is not None]
    plot = Plot(categories, nice_ticks(max(values, default=0.0)))
    colours = _colours(series)
    rects = [
        plot.bar(index, value, base=0.0, series=bars.name, colour=colours[0], share=0.6)
        for index, value in enumerate(bars.values)
        if value
    ]
    body = [plot.axes(y_label, x_label), element("g", "".join(rects), class_="bars")]
    if line:
        body.append(plot.line(line.name, line.values, colours[1]))
    return _finish(title, plot, series, colours, body)


def line_chart(
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    y_label: str,
    x_label: str,
    y_max: float | None = None,
    unit: str = "",
) -> str:
    _check_lengths(categories, series)
    values = [v for s in series for v in s.values if v is not None]
    plot = Plot(categories, nice_ticks(y_max if y_max is not None else max(values, default=0.0)))
    colours = _colours(series)
    body = [plot.axes(y_label, x_label, unit)]
    body += [plot.line(s.name, s.values, c) for s, c in zip(series, colours, strict=True)]
    return _finish(title, plot, series, colours, body)


def renewals_due_chart(rows: Sequence[ForecastRow]) -> str:
    """Renewals due per period, stacked by state (ungrouped forecast rows)."""
    states = [state for state in State if any(row.state_counts.get(state) for row in rows)]
    series = [
        Series(state.value, [row.state_counts.get(state, 0) for row in rows], STATE_COLOURS[state])
        for state in states
    ]
    return stacked_bar_chart(
        "Renewals due by state",
        [row.period_label for row in rows],
        series,
        y_label="renewals due",
        x_label="renewal date",
    )


def arr_at_risk_chart(rows: Sequence[ForecastRow], currency: str = "") -> str:
    """ARR due and ARR at risk per period, side by side; each at-risk bar is labelled
    with its amount and share of the ARR due, so a small one still reads."""
    categories = [row.period_label for row in rows]
    due = Series("ARR due", [float(row.due_arr) for row in rows], "#93c5fd")
    at_risk = Series("ARR at risk", [float(row.at_risk_arr) for row in rows], "#dc2626")
    plot = Plot(categories, nice_ticks(max(due.values, default=0.0) * 1.1))
    body = [plot.axes(f"ARR ({currency})" if currency else "ARR", "renewal date")]
    shapes = []
    for index in range(len(rows)):
        for series, shift in ((due, -0.2), (at_risk, 0.2)):
            value = series.values[index] or 0.0
            if value:
                colour = series.colour or ""
                bar = plot.bar(
                    index,
                    value,
                    base=0.0,
                    series=series.name,
                    colour=colour,
                    share=0.4,
                    shift=shift,
                )
                shapes.append(bar)
        risk_value, due_value = at_risk.values[index] or 0.0, due.values[index] or 0.0
        if risk_value:
            share = f" · {risk_value / due_value:.0%}" if due_value else ""
            shapes.append(plot.label(index, risk_value, f"{compact(risk_value)}{share}", shift=0.2))
    body.append(element("g", "".join(shapes), class_="bars"))
    title = f"ARR at risk by period ({currency})" if currency else "ARR at risk by period"
    return _finish(title, plot, [due, at_risk], ["#93c5fd", "#dc2626"], body)


def on_time_rate_chart(points: Sequence[PeriodKpis]) -> str:
    """On-time renewal rate (early + on time, of resolved renewals) per period, in %."""
    rates = [None if p.kpis.on_time_rate is None else p.kpis.on_time_rate * 100 for p in points]
    return line_chart(
        "On-time renewal rate",
        [p.period_label for p in points],
        [Series("on-time renewal rate", rates, "#16a34a")],
        y_label="on time (%)",
        x_label="renewal date",
        y_max=100,
        unit=" %",
    )


def _finish(
    title: str, plot: Plot, series: Sequence[Series], colours: Sequence[str], body: list[str]
) -> str:
    body += [
        plot.category_labels(),
        legend([(s.name, c) for s, c in zip(series, colours, strict=True)]),
    ]
    names = ", ".join(s.name for s in series)
    categories = plot.categories
    span = f"{categories[0]} to {categories[-1]}" if categories else "no periods"
    return document(title, f"{title}: {names}; {span}.", body)


def _colours(series: Sequence[Series]) -> list[str]:
    return [s.colour or PALETTE[i % len(PALETTE)] for i, s in enumerate(series)]


def _check_lengths(categories: Sequence[str], series: Sequence[Series]) -> None:
    for one in series:
        if len(one.values) != len(categories):
            raise ValueError(
                f"series {one.name!r} has {len(one.values)} values for {len(categories)} categories"
            )
