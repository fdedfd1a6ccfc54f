"""Keyset paging for every list: a page says where it ended in an opaque `next_cursor`;
passing it back as `cursor` gives the next page, and a null `next_cursor` says there
is no more."""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, TypeVar
from uuid import UUID

from fastapi import Query

from radar_runtime.errors import ApiError

Cursor = Annotated[
    str | None,
    Query(max_length=1024, description="`next_cursor` of the previous page; omit for the first."),
]
Limit = Annotated[int, Query(ge=1, le=1000, description="Items per page.")]

Row = TypeVar("Row")

CURSOR_REASON = "pass back a next_cursor unchanged"


def page(rows: Sequence[Row], limit: int) -> tuple[Sequence[Row], Row | None]:
    """The page of a query asked for `limit + 1` rows, and its last row when more follow."""
    if len(rows) <= limit:
        return rows, None
    return rows[:limit], rows[limit - 1]


def cursor_of(*key: datetime | UUID | str | int | float) -> str:
    values = [_plain(v) for v in key]
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def read_cursor(cursor: str, *kinds: type) -> tuple[Any, ...]:
    """The key a cursor holds, one value per kind (datetime, UUID, str, int, float); a 422
    naming `query.cursor` when it is not one this API gave out."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
        if not isinstance(values, list) or len(values) != len(kinds):
            raise ValueError("wrong shape")
        return tuple(_typed(kind, value) for kind, value in zip(kinds, values, strict=True))
    except (ValueError, TypeError, OverflowError, binascii.Error, UnicodeDecodeError):
        raise ApiError(
            422,
            "invalid_cursor",
            "cursor is not one this API returned",
            details=[{"field": "query.cursor", "reason": CURSOR_REASON}],
        ) from None


def _plain(value: datetime | UUID | str | int | float) -> str | int | float:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value) if isinstance(value, UUID) else value


def _typed(kind: type, value: object) -> object:
    if kind is UUID and isinstance(value, str):
        return UUID(value)
    if kind is datetime and isinstance(value, str):
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("naive datetime")
        return moment
    if kind is int and isinstance(value, int) and not isinstance(value, bool):
        if not -(2**63) <= value < 2**63:  # a bigint column's range
            raise ValueError("out of range")
        return value
    if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isfinite(value):
            raise ValueError("not finite")
        return float(value)
    if kind is str and isinstance(value, str) and "\x00" not in value:
        return value
    raise ValueError(f"expected {kind.__name__}")
