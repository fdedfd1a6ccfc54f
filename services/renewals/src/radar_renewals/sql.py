"""Small SQL helpers for bulk statements."""

import json
from collections.abc import Collection, Sequence
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Executable, Table, bindparam
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
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


@cache
def _upsert_sql(
    table: Table, columns: tuple[str, ...], keys: tuple[str, ...] | None, newer: str | None
) -> str:
    placeholders = ", ".join(f"${i}" for i in range(1, len(columns) + 1))
    statement = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({placeholders})"
    if keys is None:
        return statement
    if keys == ():
        return f"{statement} ON CONFLICT DO NOTHING"
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in keys)
    statement += f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
    return f"{statement} WHERE {newer}" if newer else statement


async def write_rows(
    session: AsyncSession,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    conflict_keys: tuple[str, ...] | None = None,
    only_if: str | None = None,
) -> None:
    """Insert rows of plain values (or upsert on `conflict_keys`, when the SQL condition
    `only_if` holds; `conflict_keys=()` skips rows that conflict) straight through the
    driver's executemany: on the hottest writes,
    SQLAlchemy's per-row parameter handling costs a third of the statement. Column names
    come from the table and the rows' keys, never from data."""
    if not rows:
        return
    columns = tuple(rows[0])
    unknown = set(columns) - set(table.columns.keys())
    if unknown:
        raise ValueError(f"{table.name} has no column(s) {sorted(unknown)}")
    sql = _upsert_sql(table, columns, conflict_keys, only_if)
    as_json = {c for c in columns if isinstance(table.c[c].type, JSONB)}  # the driver takes text
    values = [
        tuple(
            json.dumps(row[c]) if c in as_json and row[c] is not None else row[c] for c in columns
        )
        for row in rows
    ]
    connection = await session.connection()
    await connection.exec_driver_sql(sql, values)
