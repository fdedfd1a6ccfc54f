"""Subscriptions: seats and currency from the newest upsert, the term (end date, ARR)
from the newest upsert or booking, and the newest cancellation, each kept by its own
version."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from sqlalchemy import ColumnElement, case, func, select, text
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from radar_runtime.versions import newer

from .arrays import arrays, unnested
from .tables import subscriptions


@dataclass
class SubscriptionRow:
    """What a batch says about one subscription; None where it says nothing."""

    subscription_id: str
    account_id: str
    seats: int | None = None
    currency: str | None = None
    seats_version_at: datetime | None = None
    seats_version_id: UUID | None = None
    arr: float | None = None
    end_date: date | None = None
    term_version_at: datetime | None = None
    term_version_id: UUID | None = None
    cancelled_at: datetime | None = None


_COLUMNS = tuple(SubscriptionRow.__dataclass_fields__)
_SEATS = ("seats", "currency", "seats_version_at", "seats_version_id")
_TERM = ("arr", "end_date", "term_version_at", "term_version_id")

_rows = unnested("e", *(subscriptions.c[name] for name in _COLUMNS))
_insert = insert(subscriptions).from_select(
    list(_COLUMNS), select(_rows).order_by(_rows.c.subscription_id)
)


def _if_newer(name: str, prefix: str) -> ColumnElement[object]:
    return case(
        (text(newer("excluded", "subscriptions", prefix)), _insert.excluded[name]),
        else_=subscriptions.c[name],
    )


# Every SET reads the stored row before this statement, so the version columns may be
# overwritten in the same SET as the values they guard.
_MERGE = _insert.on_conflict_do_update(
    index_elements=[subscriptions.c.subscription_id],
    set_={
        **{name: _if_newer(name, "seats_") for name in _SEATS},
        **{name: _if_newer(name, "term_") for name in _TERM},
        "cancelled_at": func.greatest(subscriptions.c.cancelled_at, _insert.excluded.cancelled_at),
    },
)


async def merge_subscriptions(session: AsyncSession, rows: Sequence[SubscriptionRow]) -> None:
    """Each part of a row is kept where its version is newer than the stored one."""
    if rows:
        await session.execute(
            _MERGE, arrays(**{name: [getattr(row, name) for row in rows] for name in _COLUMNS})
        )
