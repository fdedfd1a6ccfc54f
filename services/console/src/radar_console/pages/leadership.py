"""Leadership: the KPIs with the counts behind each figure, the forecast's three views,
and the renewals report's charts on the page, drawn by radar_charts from the same
forecast rows the report draws from; the full HTML report is a link away."""

from __future__ import annotations

import asyncio
from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ..clients import ApiRefused
from ..domain.leadership import kpi_tiles, report_charts, three_views
from ..web.templating import render
from ..web.viewer import Console, DataViewer, PageViewer

router = APIRouter(include_in_schema=False)
NAV = (40, "Leadership", "/leadership")

MONTHS_BACK, MONTHS_AHEAD = 11, 6  # the report's default span: a year back, six months on


@router.get("/leadership")
async def leadership(request: Request, viewer: PageViewer, parts: Console) -> Response:
    today = parts.runtime.clock.now().date()
    start, end = _span(today)
    span = {"from": start.isoformat(), "to": end.isoformat()}
    try:
        kpis, history, ahead = await asyncio.gather(
            parts.renewals.kpis(viewer.credential, **span),
            # The page lists no disagreements: not looked for.
            parts.renewals.forecast(viewer.credential, period="month", disagreements=0, **span),
            parts.renewals.forecast(viewer.credential, period="quarter", disagreements=0),
        )
    except ApiRefused as refused:
        return render(
            request, "error.html", viewer, status_code=refused.status, message=refused.message
        )
    return render(
        request,
        "leadership.html",
        viewer,
        page="leadership",
        start=start,
        end=end,
        tiles=[(row.get("currency") or "", row, kpi_tiles(row)) for row in kpis["rows"]],
        charts=report_charts(_from_first_data(history["rows"])),
        views=three_views(ahead["totals"]),
    )


@router.get("/leadership/report.html")
async def full_report(viewer: DataViewer, parts: Console) -> Response:
    """The renewals service's full report, fetched with the viewer's credential and handed
    over as a file: self-contained, it opens and prints on its own (the console's strict
    Content-Security-Policy would not let its inline styles apply here)."""
    html = await parts.renewals.report_html(viewer.credential)
    return Response(
        html,
        media_type="text/html; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="renewal-report.html"'},
    )


def _span(today: date) -> tuple[date, date]:
    index = today.year * 12 + today.month - 1
    first, last = index - MONTHS_BACK, index + MONTHS_AHEAD + 1
    start = date(first // 12, first % 12 + 1, 1)
    end = date.fromordinal(date(last // 12, last % 12 + 1, 1).toordinal() - 1)
    return start, end


def _from_first_data(rows: list[dict]) -> list[dict]:  # type: ignore[type-arg]
    """As the report: the charts open on the first month with a renewal due."""
    due = [i for i, row in enumerate(rows) if row["due"]["count"]]
    return rows[due[0] :] if due else rows
