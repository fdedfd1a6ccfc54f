"""Three generic charts as SVG strings: stacked bars, bars with an optional line, lines.

Every bar is a `<rect class="bar">` with `data-series`, `data-category`, `data-value`
and a `<title>` tooltip, so screen readers and tests can read it.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from radar_charts.plot import Plot, legend
from radar_charts.svg import document, element, nice_ticks

PALETTE = ("#2563eb", "#f59e0b", "#16a34a", "#dc2626", "#7c3aed", "#0891b2", "#9ca3af")


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    values: Sequence[float | None]  # None: no data for that category (a gap in a line)
    colour: str | None = None


def stacked_bar_chart(
    title: str, categories: Sequence[str], series: Sequence[Series], *, y_label: str, x_label: str
) -> str:
    check_lengths(categories, series)
    totals = [sum(s.values[i] or 0.0 for s in series) for i in range(len(categories))]
    plot = Plot(categories, nice_ticks(max(totals, default=0.0)))
    colours = colours_of(series)
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
    return finish(title, plot, series, colours, body)


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
    check_lengths(categories, series)
    values = [v for s in series for v in s.values if v is not None]
    plot = Plot(categories, nice_ticks(max(values, default=0.0)))
    colours = colours_of(series)
    rects = [
        plot.bar(index, value, base=0.0, series=bars.name, colour=colours[0], share=0.6)
        for index, value in enumerate(bars.values)
        if value
    ]
    body = [plot.axes(y_label, x_label), element("g", "".join(rects), class_="bars")]
    if line:
        body.append(plot.line(line.name, line.values, colours[1]))
    return finish(title, plot, series, colours, body)


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
    check_lengths(categories, series)
    values = [v for s in series for v in s.values if v is not None]
    plot = Plot(categories, nice_ticks(y_max if y_max is not None else max(values, default=0.0)))
    colours = colours_of(series)
    body = [plot.axes(y_label, x_label, unit)]
    body += [plot.line(s.name, s.values, c) for s, c in zip(series, colours, strict=True)]
    return finish(title, plot, series, colours, body)


def finish(
    title: str, plot: Plot, series: Sequence[Series], colours: Sequence[str], body: list[str]
) -> str:
    """x labels, the legend and the document shell around a chart's body."""
    body += [
        plot.category_labels(),
        legend([(s.name, c) for s, c in zip(series, colours, strict=True)]),
    ]
    names = ", ".join(s.name for s in series)
    categories = plot.categories
    span = f"{categories[0]} to {categories[-1]}" if categories else "no periods"
    return document(title, f"{title}: {names}; {span}.", body)


def colours_of(series: Sequence[Series]) -> list[str]:
    return [s.colour or PALETTE[i % len(PALETTE)] for i, s in enumerate(series)]


def check_lengths(categories: Sequence[str], series: Sequence[Series]) -> None:
    for one in series:
        if len(one.values) != len(categories):
            raise ValueError(
                f"series {one.name!r} has {len(one.values)} values for {len(categories)} categories"
            )
