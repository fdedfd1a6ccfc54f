"""The leadership report as one self-contained HTML page.

Charts are inline SVG drawn on the server (api/charts); styles are inline;
no scripts, fonts or images are fetched, so the page reads the same offline, in an
email or on paper.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from html import escape
from typing import Any

from radar_renewals.api.charts.report_charts import (
    arr_at_risk_chart,
    on_time_rate_chart,
    renewals_due_chart,
)
from radar_renewals.domain.forecast import ForecastRow, combine
from radar_renewals.domain.kpis import KpiRow, PeriodKpis

STYLE = """
:root { color-scheme: light; }
body { font-family: system-ui, sans-serif; color: #111827; margin: 24px auto; max-width: 1180px;
       padding: 0 16px; background: #fff; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 8px; }
.meta { color: #4b5563; margin: 0 0 16px; }
.tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(160px, 1fr)); gap: 12px; }
.tile { border: 1px solid #d1d5db; border-radius: 8px; padding: 10px 12px; }
.tile .label { color: #4b5563; font-size: 13px; }
.tile .value { font-size: 22px; font-weight: 600; }
.tile .basis { color: #6b7280; font-size: 12px; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(540px, 1fr)); gap: 16px; }
figure.chart { margin: 0; border: 1px solid #e5e7eb; border-radius: 8px; padding: 8px; }
figure.chart svg { width: 100%; height: auto; display: block; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { border-bottom: 1px solid #e5e7eb; padding: 4px 6px; text-align: right; }
th:first-child, td:first-child, td.text { text-align: left; }
thead th { background: #f3f4f6; }
.note { color: #6b7280; font-size: 12px; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 11px; }
  .charts { grid-template-columns: 1fr 1fr; }
  figure.chart, .tiles, table { break-inside: avoid; }
  h2 { break-after: avoid; }
}
"""


@dataclass(frozen=True)
class ReportData:
    today: date
    start: date
    end: date
    forecast: Sequence[ForecastRow]
    on_time: Sequence[PeriodKpis]
    kpis: KpiRow
    at_risk: Sequence[Any]  # `terms` rows of open high-risk renewals, largest first
    reasons: Mapping[tuple[str, date], str]  # top risk driver by (subscription, term start)


def render_report(data: ReportData) -> str:
    charts = [
        renewals_due_chart(data.forecast),
        arr_at_risk_chart(data.forecast),
        on_time_rate_chart(data.on_time),
    ]
    figures = "".join(f'<figure class="chart">{svg}</figure>' for svg in charts)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Renewal report {data.start} to {data.end}</title>"
        f"<style>{STYLE}</style></head><body>"
        "<h1>Renewal report</h1>"
        f'<p class="meta">Renewals due {data.start} to {data.end}, as of {data.today}.</p>'
        f"{_tiles(data)}"
        f'<h2>Pipeline</h2><div class="charts">{figures}</div>'
        f"<h2>Forecast by month</h2>{_forecast_table(data.forecast)}"
        f"<h2>Largest renewals at risk</h2>{_at_risk_table(data)}"
        '<p class="note">Rates divide by the due renewals that have resolved (renewed or '
        "churned); open ones join once they resolve. ARR is summed as booked, across "
        "currencies.</p></body></html>"
    )


def _tiles(data: ReportData) -> str:
    k = data.kpis
    resolved = k.resolved_count
    totals = combine(data.forecast) if data.forecast else ForecastRow(data.start, "", None)
    tiles = [
        (
            "On-time renewal rate",
            _pct(k.on_time_rate),
            f"{k.early_count + k.on_time_count} of {resolved} resolved",
        ),
        ("Gross revenue retention", _pct(k.grr), f"of {_money(k.start_arr)} due ARR resolved"),
        ("Net revenue retention", _pct(k.nrr), f"+{_money(k.expansion_arr)} expansion"),
        ("Logo retention", _pct(k.logo_retention), f"{k.renewed_count} of {resolved} renewed"),
        ("ARR due", _money(totals.due_arr), f"{totals.due_count} renewals"),
        ("Expected ARR", _money(totals.expected_arr), "probability-weighted"),
        ("ARR at risk", _money(totals.at_risk_arr), f"{totals.at_risk_count} open, at risk"),
    ]
    cells = "".join(
        f'<div class="tile"><div class="label">{escape(label)}</div>'
        f'<div class="value">{escape(value)}</div><div class="basis">{escape(basis)}</div></div>'
        for label, value, basis in tiles
    )
    return f'<div class="tiles">{cells}</div>'


def _forecast_table(rows: Sequence[ForecastRow]) -> str:
    header = (
        "<tr><th>Period</th><th>Due</th><th>Due ARR</th><th>Booked ARR</th><th>Churned ARR</th>"
        "<th>Expected ARR</th><th>Commit</th><th>Best case</th><th>At risk ARR</th></tr>"
    )
    body = "".join(
        f"<tr><td>{escape(row.period_label)}</td><td>{row.due_count}</td>"
        f"<td>{_money(row.due_arr)}</td><td>{_money(row.booked_arr)}</td>"
        f"<td>{_money(row.churned_arr)}</td><td>{_money(row.expected_arr)}</td>"
        f"<td>{_money(row.commit_arr)}</td><td>{_money(row.best_case_arr)}</td>"
        f"<td>{_money(row.at_risk_arr)}</td></tr>"
        for row in rows
    )
    return f"<table><thead>{header}</thead><tbody>{body}</tbody></table>"


def _at_risk_table(data: ReportData) -> str:
    rows, today = data.at_risk, data.today
    if not rows:
        return '<p class="note">No open renewal is in the high risk band.</p>'
    header = (
        "<tr><th>Account</th><th>Renewal date</th><th>Days</th><th>ARR</th><th>Risk</th>"
        "<th>p(renew)</th><th>Owner</th><th>Top driver</th></tr>"
    )
    body = "".join(
        f"<tr><td>{escape(row.account_name or row.account_id)}</td>"
        f"<td>{row.end_date}</td><td>{(row.end_date - today).days}</td>"
        f"<td>{_money(row.arr)}</td><td>{row.risk_score:g}</td><td>{row.p_renew:.0%}</td>"
        f'<td class="text">{escape(row.owner or "")}</td>'
        f'<td class="text">{escape(data.reasons.get(_key(row), ""))}</td></tr>'
        for row in rows
    )
    return f"<table><thead>{header}</thead><tbody>{body}</tbody></table>"


def _key(row: Any) -> tuple[str, date]:
    return row.subscription_id, row.start_date


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f} %"


def _money(value: Decimal | float | int) -> str:
    return f"{float(value):,.0f}"
