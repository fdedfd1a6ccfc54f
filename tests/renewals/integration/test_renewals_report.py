"""The leadership report, opened in headless Chromium: it must render its charts."""

from __future__ import annotations

import asyncio
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from renewals_png import read_png
from renewals_stories import random_story
from renewals_support import at, serving_over_http

from radar_charts import STATE_COLOURS
from radar_renewals.domain.terms import State
from radar_runtime.testing.helpers import HEADLESS_CHROMIUM

pytestmark = pytest.mark.integration

TODAY = date(2026, 2, 15)


def rgb(colour: str) -> tuple[int, int, int]:
    return (int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16))


async def screenshot(chromium: str, url: str, folder: Path) -> Path:
    png = folder / "report.png"
    process = await asyncio.create_subprocess_exec(
        chromium,
        *HEADLESS_CHROMIUM,
        f"--user-data-dir={folder / 'profile'}",
        f"--screenshot={png}",
        "--window-size=1280,2000",
        url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, errors = await asyncio.wait_for(process.communicate(), 120)
    except TimeoutError:
        process.kill()
        raise
    assert png.exists(), f"Chromium wrote no screenshot:\n{errors.decode(errors='replace')[-2000:]}"
    return png


async def test_the_report_renders_its_charts_in_chromium(
    kafka_bootstrap, database_url, chromium, tmp_path
):
    events = random_story(seed=3, count=120, today=TODAY - timedelta(days=1))
    async with serving_over_http(kafka_bootstrap, database_url, at(TODAY)) as service:
        await service.publish(events)
        await service.wait_processed(events)

        response = await service.http.get("/v1/reports/renewals")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/html")
        html = response.text
        assert html.count("<svg") == 3
        for title in ("Renewals due by state", "ARR at risk by period", "On-time renewal rate"):
            assert f"<title>{title}" in html  # the ARR chart names its currency
        bars = re.findall(r'<rect class="bar"[^>]*data-series="([^"]+)"', html)
        assert len(bars) > 20
        assert {"churned", "in_window", "ARR due", "ARR at risk"} <= set(bars)
        assert 'class="point"' in html  # the on-time rate line has its points
        # Self-contained: nothing is fetched from anywhere when the page opens.
        for fetches in ("<script", "<link", " src=", "url(", "@import"):
            assert fetches not in html.lower()
        assert "@media print" in html

        # The page as a signed-in reader got it; self-contained, it renders from a file.
        page = tmp_path / "report.html"
        page.write_text(html)
        png = await screenshot(chromium, page.as_uri(), tmp_path)

    image = await asyncio.to_thread(read_png, png)
    assert (image.width, image.height) == (1280, 2000)
    assert image.non_white_share() > 0.03
    colours = image.colours()
    for state in (State.CHURNED, State.IN_WINDOW, State.UPCOMING, State.RENEWED_ON_TIME):
        assert colours[rgb(STATE_COLOURS[state])] > 100, f"no {state} bars on the screenshot"
    print(f"report screenshot: {png}")
