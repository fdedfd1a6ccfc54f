"""The inbox, renewal center and leadership pages' pure logic."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from radar_console.domain.inbox import Outcome, inbox_rows, severity_counts, summary
from radar_console.domain.leadership import kpi_tiles, report_charts, three_views
from radar_console.domain.renewal_center import CallError, call_body, window

NOW = datetime(2026, 5, 20, 12, 0, tzinfo=UTC)


def alert(alert_id: str, severity: str, raised: str | None) -> dict[str, object]:
    return {"alert_id": alert_id, "severity": severity, "first_raised_at": raised}


def test_inbox_puts_the_most_severe_first_then_the_longest_waiting() -> None:
    rows = inbox_rows(
        [
            alert("w-new", "warning", "2026-05-19T12:00:00+00:00"),
            alert("c-new", "critical", "2026-05-20T08:00:00+00:00"),
            alert("w-old", "warning", "2026-05-01T12:00:00+00:00"),
            alert("i", "info", None),
        ],
        NOW,
    )

    assert [(r.alert["alert_id"], r.age_days) for r in rows] == [
        ("c-new", 0),
        ("w-old", 19),
        ("w-new", 1),
        ("i", 0),
    ]
    assert severity_counts(rows) == {"critical": 1, "warning": 2, "info": 1}


def test_a_bulk_outcome_counts_what_was_done_and_refused() -> None:
    assert summary([Outcome("a", True, "acknowledged"), Outcome("b", False, "no alert")]) == (
        "1 done, 1 refused"
    )
    assert summary([Outcome("a", True, "acknowledged")]) == "1 done"


@pytest.mark.parametrize(
    ("today", "period", "offset", "expected"),
    [
        (date(2026, 5, 20), "month", 0, (date(2026, 5, 1), date(2026, 5, 31), "2026-05")),
        (date(2026, 5, 20), "month", -5, (date(2025, 12, 1), date(2025, 12, 31), "2025-12")),
        (date(2026, 5, 20), "quarter", 0, (date(2026, 4, 1), date(2026, 6, 30), "2026-Q2")),
        (date(2026, 11, 2), "quarter", 1, (date(2027, 1, 1), date(2027, 3, 31), "2027-Q1")),
        (date(2026, 2, 2), "quarter", -1, (date(2025, 10, 1), date(2025, 12, 31), "2025-Q4")),
    ],
)
def test_a_window_is_a_whole_month_or_quarter(today, period, offset, expected) -> None:
    shown = window(today, period, offset)

    assert (shown.start, shown.end, shown.label) == expected


def test_a_call_form_becomes_the_api_body_or_names_what_is_missing() -> None:
    form = {
        "category": "best_case",
        "next_step": " Exec call ",
        "next_step_date": "2026-06-02",
        "note": "",
        "renewal_date": "2026-06-30",
        "csrf_token": "x",
    }

    assert call_body(form) == {
        "category": "best_case",
        "next_step": "Exec call",
        "next_step_date": "2026-06-02",
        "note": "",
        "renewal_date": "2026-06-30",
    }
    with pytest.raises(CallError, match="category"):
        call_body({**form, "category": "pipeline"})
    with pytest.raises(CallError, match="next step"):
        call_body({**form, "next_step": "  "})
    with pytest.raises(CallError, match="date"):
        call_body({**form, "next_step_date": "soon"})


def total(currency: str, crm: float, model: float, manager: float) -> dict[str, object]:
    return {
        "currency": currency,
        "open": {"count": 3, "arr": 1000.0},
        "views": {
            "crm": {"commit": crm, "best_case": 100.0},
            "model": {"commit": model, "best_case": 100.0},
            "manager": {"commit": manager, "best_case": 100.0, "called": 2, "not_called": 1},
        },
    }


def test_three_views_flag_differences_of_a_tenth_of_the_open_arr() -> None:
    [eur, usd] = three_views([total("EUR", 500, 450, 700), total("USD", 500, 500, 500)])

    commit = eur.lines[0]
    assert (eur.currency, commit.crm, commit.model, commit.manager) == ("EUR", 500, 450, 700)
    assert commit.notable == ("manager/crm", "manager/model")  # 200 and 250 of 1000; crm 50
    assert eur.lines[1].notable == ()
    assert (eur.called, eur.not_called) == (2, 1)
    assert all(line.notable == () for line in usd.lines)


def forecast_row(period: str, currency: str, due: float, risk: float, **states: int):
    return {
        "period": period,
        "currency": currency,
        "due": {"count": sum(states.values()), "arr": due},
        "at_risk": {"count": 1 if risk else 0, "arr": risk},
        "states": states,
    }


def test_the_report_charts_come_from_forecast_rows() -> None:
    rows = [
        forecast_row("2026-01", "EUR", 1000, 0, renewed_on_time=1, churned=1),
        forecast_row("2026-01", "USD", 2000, 0, renewed_early=2),
        forecast_row("2026-02", "USD", 3000, 300, in_window=2),
    ]

    due, eur, usd, on_time = report_charts(rows)

    assert "Renewals due by state" in due and 'data-series="churned"' in due
    assert "ARR at risk by period (EUR)" in eur and "ARR at risk by period (USD)" in usd
    assert 'data-series="ARR at risk" data-category="2026-02" data-value="300"' in usd
    # January: 3 of 4 resolved were early or on time, across currencies; February none.
    assert 'data-category="2026-01" data-value="75"' in on_time


def test_kpi_tiles_carry_the_counts_and_money_behind_them() -> None:
    row = {
        "currency": "EUR",
        "resolved_count": 4,
        "on_time_rate": {"value": 0.75, "numerator": 3, "denominator": 4},
        "logo_retention": {"value": 0.5, "numerator": 2, "denominator": 4},
        "grr": {"value": 0.8, "start_arr": 10000, "churned_arr": 2000, "contraction_arr": 0},
        "nrr": {"value": 0.9, "start_arr": 10000, "expansion_arr": 1000},
    }

    tiles = {t.label: (t.value, t.basis) for t in kpi_tiles(row)}

    assert tiles["On-time renewal rate"] == (0.75, "3 of 4 resolved")
    assert tiles["Logo retention"] == (0.5, "2 of 4 renewed")
    assert tiles["Gross revenue retention"] == (
        0.8,
        "€10,000 due, €2,000 churned, €0 contraction",
    )
    assert tiles["Net revenue retention"][1] == "€10,000 due, +€1,000 expansion"
