"""Small SQL helpers for bulk statements."""

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Executable, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import any_


def among(column: Any, values: Collection[Any]) -> ColumnElement[bool]:
    """`column = ANY(:values)`: one array parameter, however many values."""
    return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))


async def execute_many(
    session: AsyncSession, statement: Executable, rows: Sequence[dict[str, Any]]
) -> None:
    """One statement for many rows. SQLAlchemy compiles it once and sends the rows in
    pages of multi-row VALUES; building `values(rows)` instead would compile a new
    statement with a bind parameter per value, which costs more than the database work."""
    if rows:
        await session.execute(statement, list(rows))
