"""The account list: filters, a choice of sort, keyset pagination with an opaque cursor.

The cursor holds the last item's sort value and account id; the next page starts
strictly after it, so pages never repeat or skip an account while scores change
between requests (an account whose score moved may appear on a later page instead).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncSession

from .queries import EFFECTIVE_BAND, EFFECTIVE_SCORE, SOURCE

SortKey = Literal["score", "-score", "name", "-name", "updated", "-updated"]


class BadCursor(ValueError):
    pass


@dataclass(frozen=True)
class _Sort:
    expression: str  # never NULL, so keyset comparisons are plain
    kind: Literal["float", "text", "time"]


# Unscored accounts sort last in both directions of the score sort.
_SORTS: dict[str, tuple[_Sort, _Sort]] = {
    "score": (
        _Sort(f"COALESCE({EFFECTIVE_SCORE}, 1000)", "float"),
        _Sort(f"COALESCE({EFFECTIVE_SCORE}, -1)", "float"),
    ),
    "name": (_Sort("COALESCE(a.name, a.account_id)", "text"),) * 2,
    "updated": (_Sort("COALESCE(h.as_of, a.first_seen_at)", "time"),) * 2,
}


_SQL_TYPES = {"float": "float8", "text": "text", "time": "timestamptz"}


def _encode_cursor(value: Any, account_id: str) -> str:
    shown = value.isoformat() if isinstance(value, datetime) else value
    raw = json.dumps([shown, account_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, kind: str) -> tuple[Any, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, account_id = json.loads(base64.urlsafe_b64decode(padded))
        if kind == "time":
            value = datetime.fromisoformat(value)
        elif kind == "float":
            value = float(value)
        elif not isinstance(value, str):
            raise TypeError("not text")
        if not isinstance(account_id, str):
            raise TypeError("not an account id")
        return value, account_id
    except (ValueError, TypeError) as error:
        raise BadCursor("cursor is not one this API returned") from error


async def list_accounts(
    session: AsyncSession,
    *,
    now: datetime,
    band: str | None,
    segment: str | None,
    owner: str | None,
    sort: SortKey,
    limit: int,
    cursor: str | None,
) -> tuple[list[Row[Any]], str | None]:
    descending = sort.startswith("-")
    ascending_sort, descending_sort = _SORTS[sort.lstrip("-")]
    key = descending_sort if descending else ascending_sort
    params: dict[str, Any] = {"now": now, "limit": limit + 1}
    where = ["TRUE"]
    if band is not None:
        where.append(f"{EFFECTIVE_BAND} = :band")
        params["band"] = band
    if segment is not None:
        where.append("a.segment = :segment")
        params["segment"] = segment
    if owner is not None:
        where.append("a.owner_email = :owner")
        params["owner"] = owner.strip().lower()
    if cursor is not None:
        params["after_value"], params["after_id"] = _decode_cursor(cursor, key.kind)
        sql_type = _SQL_TYPES[key.kind]
        where.append(
            f"({key.expression}, a.account_id) {'<' if descending else '>'}"
            f" (CAST(:after_value AS {sql_type}), CAST(:after_id AS text))"
        )
    direction = "DESC" if descending else "ASC"
    statement = text(
        f"""
        SELECT a.account_id, a.name, a.segment, a.region, a.owner, h.as_of, h.score, h.band,
               {EFFECTIVE_SCORE} AS effective_score, {EFFECTIVE_BAND} AS effective_band,
               {SOURCE} AS source, {key.expression} AS sort_value
        FROM accounts a
        LEFT JOIN account_health h ON h.account_id = a.account_id
        LEFT JOIN health_overrides o ON o.account_id = a.account_id
        WHERE {" AND ".join(where)}
        ORDER BY {key.expression} {direction}, a.account_id {direction}
        LIMIT :limit
        """
    )
    rows = list((await session.execute(statement, params)).all())
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1]
        next_cursor = _encode_cursor(last.sort_value, last.account_id)
    return rows, next_cursor
