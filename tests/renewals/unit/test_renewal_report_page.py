"""The report page."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

from radar_renewals.api.report import default_range
from radar_renewals.api.report_page import ReportData, render_report
from radar_renewals.domain.forecast import ForecastRow
from radar_renewals.domain.kpis import KpiRow, PeriodKpis
from radar_renewals.domain.policy import CurrencyPolicy

TODAY = date(2026, 2, 15)


def test_the_default_report_range_is_whole_months_12_back_6_ahead() -> None:
    assert default_range(TODAY) == (date(2025, 3, 1), date(2026, 8, 31))


def test_the_default_report_range_starts_where_the_data_does() -> None:
    assert default_range(TODAY, date(2025, 10, 9)) == (date(2025, 10, 1), date(2026, 8, 31))
    assert default_range(TODAY, date(2020, 1, 1)) == (date(2025, 3, 1), date(2026, 8, 31))
    assert default_range(TODAY, date(2026, 2, 28)) == (date(2026, 2, 1), date(2026, 8, 31))


def test_the_default_report_range_follows_data_that_all_lies_beyond_it() -> None:
    assert default_range(TODAY, date(2027, 5, 20)) == (date(2027, 5, 1), date(2028, 10, 31))


def test_an_empty_report_still_draws_its_three_charts_without_external_resources() -> None:
    months = [date(2026, m, 1) for m in (1, 2, 3)]
    data = ReportData(
        TODAY,
        months[0],
        date(2026, 3, 31),
        [ForecastRow(m, f"2026-0{m.month}", None) for m in months],
        [PeriodKpis(m, f"2026-0{m.month}", KpiRow(None)) for m in months],
        [KpiRow(None)],
        [],
        {},
    )
    html = render_report(data)
    assert html.count("<svg") == 3
    assert "n/a" in html  # rates with nothing resolved are not shown as 0 %
    assert "No open renewal is at risk." in html
    assert "<script" not in html and "<link" not in html


def test_amounts_stay_in_their_currency_unless_the_rule_file_converts_them() -> None:
    month = date(2026, 1, 1)
    rows = [
        ForecastRow(month, "2026-01", None, "EUR", due_count=1, due_arr=Decimal(100_000)),
        ForecastRow(month, "2026-01", None, "USD", due_count=2, due_arr=Decimal(50_000)),
    ]
    kpis = [KpiRow(None, "EUR"), KpiRow(None, "USD")]
    data = ReportData(TODAY, month, date(2026, 1, 31), rows, [], kpis, [], {})

    apart = render_report(data)
    assert "EUR 100,000 · USD 50,000" in apart
    assert "totalled per currency" in apart
    assert apart.count("<title>ARR at risk by period") == 2  # one chart per currency

    rates = CurrencyPolicy(reporting="USD", rates={"EUR": 1.1})
    together = render_report(replace(data, currency=rates))
    assert "USD 160,000" in together
    assert "converted at the rates of the rule file (EUR 1 = USD 1.1)" in together
    assert together.count("<title>ARR at risk by period") == 1
