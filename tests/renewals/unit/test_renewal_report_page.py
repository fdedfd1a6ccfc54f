"""The report page."""

from datetime import date

from radar_renewals.api.report import default_range
from radar_renewals.api.report_page import ReportData, render_report
from radar_renewals.domain.forecast import ForecastRow
from radar_renewals.domain.kpis import KpiRow, PeriodKpis

TODAY = date(2026, 2, 15)


def test_the_default_report_range_is_whole_months_12_back_6_ahead() -> None:
    assert default_range(TODAY) == (date(2025, 3, 1), date(2026, 8, 31))


def test_an_empty_report_still_draws_its_three_charts_without_external_resources() -> None:
    months = [date(2026, m, 1) for m in (1, 2, 3)]
    data = ReportData(
        TODAY,
        months[0],
        date(2026, 3, 31),
        [ForecastRow(m, f"2026-0{m.month}", None) for m in months],
        [PeriodKpis(m, f"2026-0{m.month}", KpiRow(None)) for m in months],
        KpiRow(None),
        [],
        {},
    )
    html = render_report(data)
    assert html.count("<svg") == 3
    assert "n/a" in html  # rates with nothing resolved are not shown as 0 %
    assert "No open renewal is in the high risk band." in html
    assert "<script" not in html and "<link" not in html
