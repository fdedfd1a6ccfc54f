"""The leadership report as one self-contained HTML page.

Charts are inline SVG drawn on the server by radar_charts (shared with the console);
styles are inline; no scripts, fonts or images are fetched, so the page reads the same
offline, in an email or on paper.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from html import escape
from typing import Any

from radar_renewals.api.report_charts import (
    arr_at_risk_chart,
    on_time_rate_chart,
    renewals_due_chart,
)
from radar_renewals.domain.forecast import ForecastRow, combine
from radar_renewals.domain.kpis import KpiRow, PeriodKpis, combine_kpis
from radar_renewals.domain.money import converted, in_reporting_currency
from radar_renewals.domain.policy import CurrencyPolicy

ZERO = Decimal(0)

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
    forecast: Sequence[ForecastRow]  # per period and currency
    on_time: Sequence[PeriodKpis]  # per period and currency
    kpis: Sequence[KpiRow]  # per currency
    at_risk: Sequence[Any]  # `terms` rows at risk, largest first
    reasons: Mapping[tuple[str, date], str]  # top risk driver by (subscription, term start)
    currency: CurrencyPolicy = field(default_factory=CurrencyPolicy)


@dataclass(frozen=True)
class _Money:
    """The report's amounts: one view per currency, or one in the reporting currency."""

    forecast: dict[str, list[ForecastRow]]  # by currency, rows per period
    kpis: dict[str, KpiRow]
    note: str

    @classmethod
    def of(cls, data: ReportData) -> _Money:
        policy = data.currency
        converted = in_reporting_currency(
            data.forecast, policy, lambda row: row.period_start, combine
        )
        kpis = in_reporting_currency(data.kpis, policy, lambda row: None, combine_kpis)
        present = sorted({row.currency for row in data.forecast if row.currency})
        if converted is not None and kpis is not None and set(present) - {policy.reporting}:
            rates = ", ".join(
                f"{code} 1 = {policy.reporting} {policy.rates[code]:g}"
                for code in present
                if code != policy.reporting
            )
            note = (
                f"Amounts in {policy.reporting}, converted at the rates of the rule file "
                f"({rates}); each renewal's own currency is in the API."
            )
            return cls({policy.reporting: converted}, {policy.reporting: kpis[0]}, note)
        forecast: dict[str, list[ForecastRow]] = {}
        for row in data.forecast:
            forecast.setdefault(row.currency or policy.reporting, []).append(row)
        note = "Amounts are in each renewal's own currency and totalled per currency" + (
            " (set [currency.rates] in the rule file to convert them)."
            if len(forecast) > 1
            else "."
        )
        by_currency = {row.currency or policy.reporting: row for row in data.kpis}
        return cls(forecast, by_currency, note)

    def tile(self, value: Callable[[str, list[ForecastRow], KpiRow], str]) -> str:
        return " · ".join(
            value(code, rows, self.kpis.get(code, KpiRow(None)))
            for code, rows in self.forecast.items()
        )


def render_report(data: ReportData) -> str:
    money = _Money.of(data)
    counts = _counts_by_period(data.forecast)
    charts = [
        renewals_due_chart(counts),
        *(arr_at_risk_chart(rows, code) for code, rows in money.forecast.items()),
        on_time_rate_chart(_on_time_by_period(data.on_time)),
    ]
    figures = "".join(f'<figure class="chart">{svg}</figure>' for svg in charts)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Renewal report {data.start} to {data.end}</title>"
        f"<style>{STYLE}</style></head><body>"
        "<h1>Renewal report</h1>"
        f'<p class="meta">Renewals due {data.start} to {data.end}, as of {data.today}. '
        f"{escape(money.note)}</p>"
        f"{_tiles(data, money, counts)}"
        f'<h2>Pipeline</h2><div class="charts">{figures}</div>'
        f"<h2>Forecast by month</h2>{_forecast_table(money)}"
        f"<h2>Largest renewals at risk</h2>{_at_risk_table(data)}"
        '<p class="note">Rates divide by the due renewals that have resolved (renewed or '
        "churned); open ones join once they resolve. At risk: open, within the at-risk "
        "window of the renewal date, high risk (as the renewal.at_risk alert).</p>"
        "</body></html>"
    )


def _counts_by_period(rows: Sequence[ForecastRow]) -> list[ForecastRow]:
    """Counts per period across currencies (amounts dropped: they do not add up)."""
    by_period: dict[date, list[ForecastRow]] = {}
    for row in rows:
        by_period.setdefault(row.period_start, []).append(converted(row, ZERO, ""))
    return [combine(group) for group in by_period.values()]


def _on_time_by_period(points: Sequence[PeriodKpis]) -> list[PeriodKpis]:
    by_period: dict[date, list[PeriodKpis]] = {}
    for point in points:
        by_period.setdefault(point.period_start, []).append(point)
    return [
        PeriodKpis(
            group[0].period_start,
            group[0].period_label,
            combine_kpis([converted(p.kpis, ZERO, "") for p in group]),
        )
        for group in by_period.values()
    ]


def _tiles(data: ReportData, money: _Money, counts: Sequence[ForecastRow]) -> str:
    k = combine_kpis([converted(row, ZERO, "") for row in data.kpis])  # counts only
    resolved = k.resolved_count
    totals = combine(counts) if counts else ForecastRow(data.start, "", None)

    def total(code: str, rows: list[ForecastRow]) -> ForecastRow:
        return combine(rows) if rows else ForecastRow(data.start, "", None, code)

    tiles = [
        (
            "On-time renewal rate",
            _pct(k.on_time_rate),
            f"{k.early_count + k.on_time_count} of {resolved} resolved",
        ),
        (
            "Gross revenue retention",
            money.tile(lambda code, rows, kpi: f"{code} {_pct(kpi.grr)}"),
            "of the due ARR resolved",
        ),
        (
            "Net revenue retention",
            money.tile(lambda code, rows, kpi: f"{code} {_pct(kpi.nrr)}"),
            money.tile(lambda code, rows, kpi: f"+{_money(kpi.expansion_arr, code)}")
            + " expansion",
        ),
        ("Logo retention", _pct(k.logo_retention), f"{k.renewed_count} of {resolved} renewed"),
        (
            "ARR due",
            money.tile(lambda code, rows, kpi: _money(total(code, rows).due_arr, code)),
            f"{totals.due_count} renewals",
        ),
        (
            "Expected ARR",
            money.tile(lambda code, rows, kpi: _money(total(code, rows).expected_arr, code)),
            "probability-weighted",
        ),
        (
            "ARR at risk",
            money.tile(lambda code, rows, kpi: _money(total(code, rows).at_risk_arr, code)),
            f"{totals.at_risk_count} open, at risk",
        ),
    ]
    cells = "".join(
        f'<div class="tile"><div class="label">{escape(label)}</div>'
        f'<div class="value">{escape(value)}</div><div class="basis">{escape(basis)}</div></div>'
        for label, value, basis in tiles
    )
    return f'<div class="tiles">{cells}</div>'


def _forecast_table(money: _Money) -> str:
    header = (
        "<tr><th>Period</th><th>Currency</th><th>Due</th><th>Due ARR</th><th>Booked ARR</th>"
        "<th>Churned ARR</th><th>Expected ARR</th><th>Commit</th><th>Best case</th>"
        "<th>At risk ARR</th></tr>"
    )
    rows = sorted(
        ((row, code) for code, rows in money.forecast.items() for row in rows),
        key=lambda pair: (pair[0].period_start, pair[1]),
    )
    body = "".join(
        f'<tr><td>{escape(row.period_label)}</td><td class="text">{escape(code)}</td>'
        f"<td>{row.due_count}</td>"
        f"<td>{_money(row.due_arr)}</td><td>{_money(row.booked_arr)}</td>"
        f"<td>{_money(row.churned_arr)}</td><td>{_money(row.expected_arr)}</td>"
        f"<td>{_money(row.commit_arr)}</td><td>{_money(row.best_case_arr)}</td>"
        f"<td>{_money(row.at_risk_arr)}</td></tr>"
        for row, code in rows
    )
    return f"<table><thead>{header}</thead><tbody>{body}</tbody></table>"


def _at_risk_table(data: ReportData) -> str:
    rows, today = data.at_risk, data.today
    if not rows:
        return '<p class="note">No open renewal is at risk.</p>'
    header = (
        "<tr><th>Account</th><th>Renewal date</th><th>Days</th><th>ARR</th><th>Risk</th>"
        "<th>p(renew)</th><th>Owner</th><th>Top driver</th></tr>"
    )
    body = "".join(
        f"<tr><td>{escape(row.account_name or row.account_id)}</td>"
        f"<td>{row.end_date}</td><td>{(row.end_date - today).days}</td>"
        f"<td>{_money(row.arr, row.currency)}</td><td>{row.risk_score:g}</td>"
        f"<td>{row.p_renew:.0%}</td>"
        f'<td class="text">{escape(row.owner or "")}</td>'
        f'<td class="text">{escape(data.reasons.get(_key(row), ""))}</td></tr>'
        for row in rows
    )
    return f"<table><thead>{header}</thead><tbody>{body}</tbody></table>"


def _key(row: Any) -> tuple[str, date]:
    return row.subscription_id, row.start_date


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f} %"


def _money(value: Decimal | float | int, currency: str = "") -> str:
    amount = f"{float(value):,.0f}"
    return f"{currency} {amount}" if currency else amount
