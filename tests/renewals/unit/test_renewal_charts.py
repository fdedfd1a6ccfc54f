import xml.etree.ElementTree as ET
from datetime import date

from renewals_factories import RULES, booked, make_term

from radar_renewals.api.report_charts import (
    arr_at_risk_chart,
    on_time_rate_chart,
    renewals_due_chart,
)
from radar_renewals.domain.forecast import forecast
from radar_renewals.domain.kpis import kpis_by_period
from radar_renewals.domain.terms import HealthSnapshot

NS = {"svg": "http://www.w3.org/2000/svg"}


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox") == "0 0 720 420"
    return root


def bars(root: ET.Element) -> list[ET.Element]:
    return [
        rect for rect in root.iter("{http://www.w3.org/2000/svg}rect") if rect.get("class") == "bar"
    ]


def test_report_charts_from_forecast_rows_and_kpis() -> None:
    today = date(2025, 3, 20)
    terms = [
        booked(make_term(date(2025, 2, 28), subscription_id="a"), date(2025, 2, 20)),
        make_term(
            date(2025, 3, 31),
            subscription_id="b",
            health=HealthSnapshot(10, "red", 60),
            champion_lost=True,
        ),
    ]
    start, end = date(2025, 1, 1), date(2025, 3, 31)
    rows = forecast(terms, today, RULES, start=start, end=end)

    due = parse(renewals_due_chart(rows))
    at_risk = parse(arr_at_risk_chart(rows))
    on_time = parse(on_time_rate_chart(kpis_by_period(terms, today, RULES, start=start, end=end)))

    assert [(b.get("data-category"), b.get("data-series")) for b in bars(due)] == [
        ("2025-02", "renewed_on_time"),
        ("2025-03", "in_window"),
    ]
    # ARR due beside ARR at risk, the at-risk bar labelled with its amount and share.
    assert [(b.get("data-category"), b.get("data-series")) for b in bars(at_risk)] == [
        ("2025-02", "ARR due"),
        ("2025-03", "ARR due"),
        ("2025-03", "ARR at risk"),
    ]
    labels = [t.text for t in at_risk.iter("{http://www.w3.org/2000/svg}text")]
    assert "100k · 100%" in labels
    assert [c.get("data-value") for c in on_time.iter("{http://www.w3.org/2000/svg}circle")] == [
        "100"
    ]
