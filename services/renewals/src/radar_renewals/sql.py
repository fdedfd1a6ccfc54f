"""Small SQL helpers for bulk statements."""

import json
from collections.abc import Collection, Sequence
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Executable, Table, bindparam
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import any_

_DIALECT = postgresql.dialect()


def among(column: Any, values: Collection[Any]) -> ColumnElement[bool]:
    """`column = ANY(:values)`: one array parameter, however many values."""
    return column == any_(bindparam(None, list(values), type_=ARRAY(column.type)))


async def fetch_rows(session: AsyncSession, sql: str, *args: Any) -> list[Sequence[Any]]:
    """Rows of a plain SQL query (`$1`-style parameters) in the session's transaction,
    as the driver returns them: for reads of thousands of rows, SQLAlchemy's statement
    building and row objects cost several times the driver's own work."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return list(await raw.driver_connection.fetch(sql, *args))  # type: ignore[union-attr]


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
    # One array parameter per column, unnested into rows: PostgreSQL plans and runs one
    # statement for the whole batch instead of one per row.
    arrays = ", ".join(
        f"${i}::{_array_type(table, column)}" for i, column in enumerate(columns, start=1)
    )
    statement = f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT * FROM unnest({arrays})"
    if keys is None:
        return statement
    if keys == ():
        return f"{statement} ON CONFLICT DO NOTHING"
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in keys)
    statement += f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
    return f"{statement} WHERE {newer}" if newer else statement


def _array_type(table: Table, column: str) -> str:
    return f"{table.c[column].type.compile(dialect=_DIALECT)}[]"


async def write_rows(
    session: AsyncSession,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    conflict_keys: tuple[str, ...] | None = None,
    only_if: str | None = None,
) -> None:
    """Insert rows of plain values (or upsert on `conflict_keys`, when the SQL condition
    `only_if` holds; `conflict_keys=()` skips rows that conflict) as one statement with
    an array per column, straight through the driver: on the hottest writes, per-row
    statements and SQLAlchemy's per-row parameter handling cost more than the database
    work. Rows must not repeat a conflict key (an upsert cannot touch a row twice).
    Column names come from the table and the rows' keys, never from data."""
    if not rows:
        return
    columns = tuple(rows[0])
    unknown = set(columns) - set(table.columns.keys())
    if unknown:
        raise ValueError(f"{table.name} has no column(s) {sorted(unknown)}")
    sql = _upsert_sql(table, columns, conflict_keys, only_if)
    arrays = [[row[column] for row in rows] for column in columns]
    for values, column in zip(arrays, columns, strict=True):
        if isinstance(table.c[column].type, JSONB):  # the driver takes JSON as text
            values[:] = [None if v is None else json.dumps(v) for v in values]
    connection = await session.connection()
    await connection.exec_driver_sql(sql, tuple(arrays))
