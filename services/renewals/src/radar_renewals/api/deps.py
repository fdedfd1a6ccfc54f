"""Dependencies and query parameters the renewals routes share."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from fastapi import Depends, HTTPException, Query
from fastapi.responses import JSONResponse
from pydantic import BeforeValidator, WithJsonSchema

from radar_renewals.parts import RenewalsParts
from radar_runtime import parts
from radar_runtime.errors import ERROR_RESPONSES, ErrorBody

Renewals = Annotated[RenewalsParts, Depends(parts)]

GroupParam = Annotated[
    Literal["segment", "region", "owner"] | None,
    Query(description="Slice by this dimension; terms without it count under 'unknown'."),
]


def _iso_day(value: Any) -> Any:
    # Query values are text, and pydantic would read "0.0" as a Unix time: a date in a
    # query is written YYYY-MM-DD, nothing else.
    if isinstance(value, str) and not ISO_DAY.fullmatch(value):
        raise ValueError("must be a date written YYYY-MM-DD")
    return value


ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
# A day in a query string, written YYYY-MM-DD.
Day = Annotated[
    date, BeforeValidator(_iso_day), WithJsonSchema({"type": "string", "format": "date"})
]

NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No renewal is known for this subscription"}
}
# An HTML route's errors are still JSON: said so, or OpenAPI shows them as text/html.
JSON_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {
        **response,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    }
    for status, response in ERROR_RESPONSES.items()
}
# A year of months is plenty for a screen; a longer range is most likely a typo.
MAX_RANGE_DAYS = 3 * 366


def plain_json(body: dict[str, Any]) -> JSONResponse:
    """A response of plain data (str, numbers, None, lists, dicts) serialised as is:
    FastAPI's generic encoder walks every value first, which costs more than the query
    for a forecast of hundreds of rows."""
    return JSONResponse(body)


def month_range(today: date, *, first: int, months: int) -> tuple[date, date]:
    """Whole months: from the month `first` months after today's (negative: before),
    `months` of them."""
    index = today.year * 12 + today.month - 1 + first
    start = date(index // 12, index % 12 + 1, 1)
    index += months
    return start, date(index // 12, index % 12 + 1, 1) - timedelta(days=1)


def checked_range(start: date, end: date) -> tuple[date, date]:
    """Reported like FastAPI's own validation errors: 422 with the field's location."""
    if end < start:
        _invalid("to", f"must not be before 'from' ({start})")
    if (end - start).days > MAX_RANGE_DAYS:
        _invalid("to", f"the range may span at most {MAX_RANGE_DAYS} days")
    return start, end


def _invalid(field: str, message: str) -> None:
    detail = [{"loc": ["query", field], "msg": message, "type": "value_error"}]
    raise HTTPException(422, detail=detail)


# Pages of a history, newest first: `before` is the previous page's `next_before`.
Before = Annotated[
    int | None, Query(ge=1, le=2**63 - 1, description="next_before of the previous page.")
]
PageLimit = Annotated[int, Query(ge=1, le=500)]


def newest_first_page(rows: list[Any], limit: int) -> tuple[list[Any], int | None]:
    """`rows` read with `limit + 1`: the page, and where the next starts (None: no more)."""
    more = rows[limit - 1].id if len(rows) > limit else None
    return rows[:limit], more


def unknown_subscription(subscription_id: str) -> HTTPException:
    return HTTPException(404, detail=f"no renewal known for subscription {subscription_id!r}")
