"""The shared charts: SVG that parses, names what it draws and fetches nothing."""

import xml.etree.ElementTree as ET

import pytest

from radar_charts import Series, bar_chart, line_chart, renewals_due_chart, stacked_bar_chart

SVG = "{http://www.w3.org/2000/svg}"
NS = {"svg": "http://www.w3.org/2000/svg"}


def parse(svg: str) -> ET.Element:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == "0 0 720 420"
    return root


def bars(root: ET.Element) -> list[ET.Element]:
    return [rect for rect in root.iter(f"{SVG}rect") if rect.get("class") == "bar"]


def test_stacked_bars_parse_and_hold_one_rect_per_non_zero_segment() -> None:
    svg = stacked_bar_chart(
        "Renewals <due> & done",
        ["Jan", "Feb", "Mar"],
        [Series("renewed", [3, 0, 2]), Series("churned", [1, 2, None])],
        y_label="renewals",
        x_label="month",
    )

    root = parse(svg)
    found = [
        (b.get("data-category"), b.get("data-series"), b.get("data-value")) for b in bars(root)
    ]

    assert root.find("svg:title", NS).text == "Renewals <due> & done"  # type: ignore[union-attr]
    assert "&lt;due&gt; &amp; done" in svg
    assert found == [
        ("Jan", "renewed", "3"),
        ("Jan", "churned", "1"),
        ("Feb", "churned", "2"),
        ("Mar", "renewed", "2"),
    ]
    texts = {t.text for t in root.iter("{http://www.w3.org/2000/svg}text")}
    assert {"renewals", "month", "renewed", "churned", "Jan"} <= texts  # axes and legend


def test_stacked_segments_sit_on_top_of_each_other() -> None:
    root = parse(
        stacked_bar_chart(
            "t", ["Jan"], [Series("a", [2]), Series("b", [2])], y_label="y", x_label="x"
        )
    )
    lower, upper = bars(root)

    assert float(upper.get("y", 0)) + float(upper.get("height", 0)) == pytest.approx(
        float(lower.get("y", 0))
    )
    assert float(lower.get("height", 0)) == pytest.approx(float(upper.get("height", 0)))


def test_bar_chart_with_line_and_line_chart_gaps() -> None:
    bar_svg = bar_chart(
        "ARR",
        ["Q1", "Q2"],
        Series("at risk", [5, 7]),
        y_label="ARR",
        x_label="q",
        line=Series("due", [10, 12]),
    )
    line_svg = line_chart(
        "Rate",
        ["a", "b", "c", "d"],
        [Series("on time", [50, None, 70, 80])],
        y_label="%",
        x_label="month",
        y_max=100,
    )

    bar_root, line_root = parse(bar_svg), parse(line_svg)
    lines = list(line_root.iter("{http://www.w3.org/2000/svg}polyline"))

    assert len(bars(bar_root)) == 2
    assert len(list(bar_root.iter("{http://www.w3.org/2000/svg}polyline"))) == 1
    assert len(lines) == 1  # "a" stands alone after the gap; "c"–"d" form the line
    assert len(lines[0].get("points", "").split()) == 2
    assert len([c for c in line_root.iter("{http://www.w3.org/2000/svg}circle")]) == 3


def test_mismatched_series_are_rejected() -> None:
    with pytest.raises(ValueError, match="2 values for 3 categories"):
        line_chart("t", ["a", "b", "c"], [Series("s", [1, 2])], y_label="y", x_label="x")


def test_charts_use_no_external_resources() -> None:
    svg = renewals_due_chart([], [])

    parse(svg)
    assert "href" not in svg
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "<script" not in svg
