"""An account's history as charts: a trend sparkline, the score with its band thresholds,
usage over time. Plain values in, SVG strings out, like the report's charts."""

from collections.abc import Mapping, Sequence
from xml.sax.saxutils import escape

from radar_charts.charts import Series, check_lengths, colours_of, finish, line_chart
from radar_charts.plot import Plot
from radar_charts.svg import element, nice_ticks, tooltip

BAND_COLOURS = {"green": "#16a34a", "yellow": "#ca8a04", "red": "#dc2626"}


def sparkline(
    values: Sequence[float | None], *, label: str, width: int = 120, height: int = 28
) -> str:
    """A small trend line scaled to its own min..max, named by `label` for screen readers;
    None values are skipped, a flat series is drawn mid-height."""
    known = [(i, v) for i, v in enumerate(values) if v is not None]
    low = min((v for _, v in known), default=0.0)
    high = max((v for _, v in known), default=0.0)
    step = (width - 4) / max(len(values) - 1, 1)

    def y_of(value: float) -> float:
        if high == low:
            return height / 2
        return height - 2 - (value - low) / (high - low) * (height - 4)

    points = " ".join(f"{2 + i * step:.1f},{y_of(v):.1f}" for i, v in known)
    body = tooltip(label)
    if len(known) > 1:
        body += element("polyline", points=points, fill="none", stroke="#2563eb", stroke_width=1.5)
    if known:
        i, v = known[-1]
        body += element("circle", cx=2 + i * step, cy=y_of(v), r=2, fill="#2563eb")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" class="sparkline" '
        f'aria-label="{escape(label, {chr(34): "&quot;"})}">{body}</svg>'
    )


def score_history_chart(
    times: Sequence[str],
    scores: Sequence[float | None],
    thresholds: Mapping[str, float],
    *,
    title: str = "Health score over time",
    y_max: float = 100.0,
) -> str:
    """The score at each point in (event) time, with a dashed line at each band's lower
    bound (`thresholds`: band name → the lowest score in that band)."""
    series = [Series("health score", scores, "#2563eb")]
    check_lengths(times, series)
    plot = Plot(times, nice_ticks(y_max))
    body = [plot.axes("score", "event time")]
    body += [
        plot.hline(bound, f"{band} ≥ {bound:g}", BAND_COLOURS.get(band, "#6b7280"))
        for band, bound in sorted(thresholds.items(), key=lambda item: item[1])
        if 0 < bound < y_max
    ]
    body.append(plot.line("health score", scores, "#2563eb"))
    return finish(title, plot, series, colours_of(series), body)


def usage_chart(
    periods: Sequence[str],
    measures: Mapping[str, Sequence[float | None]],
    *,
    title: str = "Usage over time",
    unit: str = "",
) -> str:
    """One line per usage measure (e.g. active users, logins) per period."""
    series = [Series(name, values) for name, values in measures.items()]
    return line_chart(title, periods, series, y_label=unit or "usage", x_label="period")
