"""The report page and the calibration file the backtest writes."""

from datetime import date

import pytest

from radar_renewals.api.report import default_range
from radar_renewals.api.report_page import ReportData, render_report
from radar_renewals.domain.calibration import Calibration
from radar_renewals.domain.forecast import ForecastRow
from radar_renewals.domain.kpis import KpiRow, PeriodKpis
from radar_renewals.domain.policy import ConfigError, load_config
from radar_renewals.domain.predictions import Backtest, calibration_toml

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


def test_the_fitted_calibration_file_loads_as_a_calibration_overlay(tmp_path) -> None:
    curve = Calibration(((0.0, 0.9), (50.0, 0.6), (100.0, 0.1)))
    backtest = Backtest(date(2025, 1, 1), date(2025, 12, 31), 90, [])
    path = tmp_path / "calibration.toml"
    path.write_text(calibration_toml(curve, backtest, TODAY))
    config = load_config(calibration_path=path)
    assert config.calibration.curve().p_renew(25) == pytest.approx(0.75)
    assert config.timing.for_segment(None).grace_days == 7  # the rest stays as it was


def test_a_calibration_file_may_not_change_other_rules(tmp_path) -> None:
    path = tmp_path / "calibration.toml"
    path.write_text("version = 1\n[timing]\ngrace_days = 3\n")
    with pytest.raises(ConfigError) as raised:
        load_config(calibration_path=path)
    assert raised.value.problems[0][0] == "timing"
