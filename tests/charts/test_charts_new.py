"""The charts the console adds, and the ARR chart whose at-risk bars must read beside due."""

import xml.etree.ElementTree as ET

import pytest

from radar_charts import arr_at_risk_chart, score_history_chart, sparkline, usage_chart

SVG = "{http://www.w3.org/2000/svg}"


def bars(root: ET.Element, series: str) -> list[ET.Element]:
    return [r for r in root.iter(f"{SVG}rect") if r.get("data-series") == series]


def height(rect: ET.Element) -> float:
    return float(rect.get("height", "0"))


def test_small_at_risk_bars_get_their_own_axis_and_stay_readable() -> None:
    root = ET.fromstring(
        arr_at_risk_chart(["2026-01", "2026-02"], [1_000_000, 800_000], [20_000, 50_000], "EUR")
    )
    due, at_risk = bars(root, "ARR due"), bars(root, "ARR at risk")

    # 2 % and 6 % of due, yet the larger at-risk bar fills most of its panel.
    assert [r.get("data-value") for r in at_risk] == ["20000", "50000"]
    assert height(at_risk[1]) > 0.5 * height(due[0])
    assert height(at_risk[1]) / height(at_risk[0]) == pytest.approx(2.5, rel=1e-3)
    # The at-risk panel lies wholly under the due panel, never overlapping it.
    due_bottom = max(float(r.get("y", "0")) + height(r) for r in due)
    assert min(float(r.get("y", "0")) for r in at_risk) > due_bottom
    labels = [t.text for t in root.iter(f"{SVG}text")]
    assert "20k · 2%" in labels and "50k · 6%" in labels
    assert "ARR due (EUR)" in labels and "at risk (EUR)" in labels
    assert root.find(f"{SVG}title").text == "ARR at risk by period (EUR)"  # type: ignore[union-attr]


def test_a_period_without_risk_draws_no_at_risk_bar() -> None:
    root = ET.fromstring(arr_at_risk_chart(["a", "b"], [10.0, 0.0], [0.0, 0.0]))

    assert len(bars(root, "ARR due")) == 1
    assert bars(root, "ARR at risk") == []


def test_the_sparkline_scales_to_its_own_range_and_skips_gaps() -> None:
    root = ET.fromstring(sparkline([40, None, 60, 50], label="score 40 → 50 over 30 days"))
    points = [
        tuple(float(n) for n in p.split(","))
        for p in root.find(f"{SVG}polyline").get("points", "").split()  # type: ignore[union-attr]
    ]

    assert root.get("aria-label") == "score 40 → 50 over 30 days"
    assert len(points) == 3  # the gap is left out
    assert points[0][1] == pytest.approx(26)  # the lowest at the bottom
    assert points[1][1] == pytest.approx(2)  # the highest at the top
    assert points[2][1] == pytest.approx(14)


def test_a_flat_or_single_value_sparkline_still_draws() -> None:
    flat = ET.fromstring(sparkline([5, 5, 5], label="flat"))
    single = ET.fromstring(sparkline([7], label="one"))
    empty = ET.fromstring(sparkline([], label="none"))

    assert {p.split(",")[1] for p in flat.find(f"{SVG}polyline").get("points", "").split()} == {  # type: ignore[union-attr]
        "14.0"
    }
    assert single.find(f"{SVG}polyline") is None and single.find(f"{SVG}circle") is not None
    assert empty.find(f"{SVG}circle") is None


def test_the_score_chart_draws_the_band_thresholds() -> None:
    root = ET.fromstring(
        score_history_chart(
            ["05-01 10:00", "05-02 09:00", "05-03 12:00"],
            [72, 55, 38],
            {"red": 0, "yellow": 40, "green": 70},
        )
    )
    thresholds = [r for r in root.iter(f"{SVG}line") if r.get("class") == "threshold"]
    dots = [c.get("data-value") for c in root.iter(f"{SVG}circle")]

    assert sorted(float(t.get("data-value", "0")) for t in thresholds) == [40, 70]
    assert dots == ["72", "55", "38"]
    texts = {t.text for t in root.iter(f"{SVG}text")}
    assert {"yellow ≥ 40", "green ≥ 70", "event time"} <= texts
    # 70 sits above 40: a smaller y.
    by_value = {float(t.get("data-value", "0")): float(t.get("y1", "0")) for t in thresholds}
    assert by_value[70] < by_value[40]


def test_usage_chart_draws_one_line_per_measure() -> None:
    root = ET.fromstring(
        usage_chart(["W1", "W2", "W3"], {"active users": [10, 12, 9], "logins": [30, 28, None]})
    )
    series = {g.get("data-series") for g in root.iter(f"{SVG}polyline")}

    assert series == {"active users", "logins"}
    assert len(list(root.iter(f"{SVG}circle"))) == 5


def test_mismatched_score_history_is_rejected() -> None:
    with pytest.raises(ValueError, match="1 values for 2 categories"):
        score_history_chart(["a", "b"], [1], {})
