"""My book, the landing page: the signed-in person's accounts (a manager's: their
team's), filtered and sorted, a keyset page at a time, with a CSV export. Each page
makes one call to each service for all its accounts."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from ..domain.book import (
    RISKS,
    SORTS,
    BookFilters,
    BookRow,
    book_rows,
    csv_text,
    days_of,
    next_terms,
    open_alert_counts,
)
from ..domain.charts import trend_svg
from ..parts import ConsoleParts
from ..web.templating import render
from ..web.viewer import Console, DataViewer, PageViewer, Viewer

router = APIRouter(include_in_schema=False)
NAV = (10, "My book", "/")

PAGE_SIZE = 50
TREND_DAYS = 30
Text = Annotated[str | None, Query(max_length=200)]


@dataclass(frozen=True)
class BookQuery:
    """The book's query string, as every view of it (page, rows, CSV) reads it."""

    owner: Text = None
    segment: Text = None
    region: Text = None
    band: Text = None
    risk: Text = None
    name: Text = None
    within_days: Text = None
    sort: str = "name"

    def filters(self, viewer: Viewer) -> BookFilters:
        """A CSM's book is their own accounts; a manager's their team's; anyone may pick
        another owner (the APIs decide what they may see)."""
        mine = viewer.email if viewer.role == "csm" and not self.owner else None
        team = viewer.email if viewer.role == "manager" and not self.owner else None
        return BookFilters(
            owner=self.owner or mine,
            manager=team,
            segment=self.segment or None,
            region=self.region or None,
            band=self.band or None,
            risk=self.risk if self.risk in RISKS else None,
            name=self.name or None,
            within_days=days_of(self.within_days),
            sort=self.sort if self.sort in SORTS else "name",
        )


Asked = Annotated[BookQuery, Depends()]


async def _none() -> None:
    return None


async def load_page(
    parts: ConsoleParts,
    viewer: Viewer,
    filters: BookFilters,
    cursor: str | None,
    size: int,
    *,
    trend: bool = True,
) -> tuple[list[BookRow], str | None]:
    """One page of rows: one call to each service for all its accounts (the trends
    too), never one per row; the CSV export leaves the trends out."""
    accounts = await parts.health.accounts(
        viewer.credential, **filters.health_params(), cursor=cursor, limit=size
    )
    ids = [item["account_id"] for item in accounts["items"]]
    if not ids:
        return [], accounts.get("next_cursor")
    terms, alerts, trends = await asyncio.gather(
        parts.renewals.renewals(viewer.credential, account=ids, limit=500),
        parts.notifier.alerts(viewer.credential, account=ids, state="raised", limit=500),
        parts.health.trends(viewer.credential, ids, days=TREND_DAYS) if trend else _none(),
    )
    sparklines = {
        item["account_id"]: trend_svg(item["points"], TREND_DAYS)
        for item in (trends or {}).get("accounts", [])
    }
    rows = book_rows(
        accounts["items"],
        next_terms(terms["items"]),
        open_alert_counts(alerts["alerts"]),
        sparklines,
    )
    return filters.keep(rows), accounts.get("next_cursor")


@router.get("/")
async def book(
    request: Request,
    viewer: PageViewer,
    parts: Console,
    asked: Asked,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    filters = asked.filters(viewer)
    rows, next_cursor = await load_page(parts, viewer, filters, cursor, PAGE_SIZE)
    return render(
        request,
        "book.html",
        viewer,
        page="book",
        rows=rows,
        filters=filters,
        sorts=SORTS,
        risks=RISKS,
        next_cursor=next_cursor,
        cursor=cursor,
        query=filters.query(),
    )


@router.get("/fragments/book")
async def book_rows_fragment(
    request: Request,
    viewer: DataViewer,
    parts: Console,
    asked: Asked,
    cursor: Annotated[str | None, Query(max_length=2000)] = None,
) -> Response:
    """The table's rows, for refreshing in place."""
    filters = asked.filters(viewer)
    rows, _ = await load_page(parts, viewer, filters, cursor, PAGE_SIZE)
    return render(request, "book_rows.html", viewer, rows=rows)


@router.get("/book.csv")
async def book_csv(viewer: DataViewer, parts: Console, asked: Asked) -> Response:
    """Every row of the current view, page after page."""
    filters = asked.filters(viewer)
    chunks: list[str] = []
    cursor: str | None = None
    first = True
    while True:
        rows, cursor = await load_page(parts, viewer, filters, cursor, 500, trend=False)
        chunks.append(csv_text(rows, header=first))
        first = False
        if cursor is None:
            break
    headers: dict[str, Any] = {"content-disposition": 'attachment; filename="my-book.csv"'}
    return Response("".join(chunks), media_type="text/csv; charset=utf-8", headers=headers)
