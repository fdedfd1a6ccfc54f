"""The bulk-SQL toolkit every service's store uses.

Statements are written in SQLAlchemy Core against each service's `tables.py`; these
helpers cover what Core alone makes slow on hot paths: one array parameter for any
number of values, driver-level fetches, and writes staged by binary COPY.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from functools import cache
from operator import itemgetter
from typing import Any

from sqlalchemy import ColumnElement, Executable, Table, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import any_


def among(column: Any, values: Collection[Any]) -> ColumnElement[bool]:
    """`column = ANY(:values)`: one array parameter, however many values."""
    condition: ColumnElement[bool] = column == any_(
        bindparam(None, list(values), type_=ARRAY(column.type))
    )
    return condition


async def driver_of(session: AsyncSession) -> Any:
    """The asyncpg connection under the session, in the session's transaction: for the
    bulk reads and COPY writes where SQLAlchemy's per-row work costs more than the
    database's."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    if getattr(raw.dbapi_connection, "_transaction", False) is None:
        # SQLAlchemy sends BEGIN with its first statement; the driver used before that
        # would work outside the session's transaction (and a temporary table made
        # ON COMMIT DELETE ROWS would lose its rows at once).
        await connection.exec_driver_sql("SELECT 1")
    return raw.driver_connection


# Statements are prepared per connection, and after a few runs PostgreSQL may switch to
# a generic plan that cannot see the size of an `= ANY(:ids)` array: it then scans the
# array once per row and guesses row counts. Planning each run for its actual values
# costs well under a millisecond for the batch statements that need it.
_CUSTOM_PLANS = text("SET LOCAL plan_cache_mode = force_custom_plan")


async def plan_each_run(session: AsyncSession) -> None:
    """For the rest of the session's transaction, plan statements with their values."""
    await session.execute(_CUSTOM_PLANS)


async def fetch_rows(session: AsyncSession, sql: str, *args: Any) -> list[Sequence[Any]]:
    """Rows of a plain SQL query (`$1`-style parameters) in the session's transaction,
    as the driver returns them: for reads of thousands of rows, SQLAlchemy's statement
    building and row objects cost several times the driver's own work."""
    return list(await (await driver_of(session)).fetch(sql, *args))


async def execute_many(
    session: AsyncSession, statement: Executable, rows: Sequence[dict[str, Any]]
) -> None:
    """One statement for many rows. SQLAlchemy compiles it once and sends the rows in
    pages of multi-row VALUES; building `values(rows)` instead would compile a new
    statement with a bind parameter per value, which costs more than the database work."""
    if rows:
        await session.execute(statement, list(rows))


@cache
def _staged_sql(
    table: Table, columns: tuple[str, ...], keys: tuple[str, ...] | None, only_if: str | None
) -> tuple[str, str, str]:
    """The staging table's name, the statement that readies it and the one that moves
    its rows into `table`."""
    staging = f"incoming_{table.name}"
    # Made once per connection, with every column of the table and none of its
    # constraints (any column subset fits); emptied by each commit, and before each use
    # in case one transaction writes the same table twice.
    ready = (
        f"CREATE TEMP TABLE IF NOT EXISTS {staging} ON COMMIT DELETE ROWS "
        f"AS SELECT * FROM {table.name} WITH NO DATA; DELETE FROM pg_temp.{staging}"
    )
    names = ", ".join(columns)
    move = f"INSERT INTO {table.name} ({names}) SELECT {names} FROM pg_temp.{staging}"
    if keys == ():
        move += " ON CONFLICT DO NOTHING"
    elif keys is not None:
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in keys)
        move += f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
        if only_if:
            move += f" WHERE {only_if}"
    return staging, ready, move


async def write_rows(
    session: AsyncSession,
    table: Table,
    rows: Sequence[dict[str, Any]],
    *,
    conflict_keys: tuple[str, ...] | None = None,
    only_if: str | None = None,
) -> None:
    """Insert rows of plain values (or upsert on `conflict_keys`, when the SQL condition
    `only_if` holds, e.g. `versions.newer("excluded", table.name)`; `conflict_keys=()`
    skips rows that conflict) in one statement.

    The rows reach PostgreSQL by binary COPY into a temporary staging table, then one
    INSERT ... SELECT moves them: on the hottest writes, per-row statements, SQLAlchemy's
    per-row parameter handling and even one array parameter per column (the driver
    inspects every array element) cost more than the database work. Rows must not repeat
    a conflict key (an upsert cannot touch a row twice). Column names come from the
    table and the rows' keys, never from data."""
    if not rows:
        return
    columns = tuple(rows[0])
    unknown = set(columns) - set(table.columns.keys())
    if unknown:
        raise ValueError(f"{table.name} has no column(s) {sorted(unknown)}")
    staging, ready, move = _staged_sql(table, columns, conflict_keys, only_if)
    values = itemgetter(*columns)
    records = [values(row) for row in rows] if len(columns) > 1 else [(values(r),) for r in rows]
    json_columns = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, JSONB)]
    if json_columns:  # the driver takes JSON as text
        records = [_json_at(record, json_columns) for record in records]
    driver = await driver_of(session)
    await driver.execute(ready)
    await driver.copy_records_to_table(
        staging, records=records, columns=columns, schema_name="pg_temp"
    )
    await driver.execute(move)


def _json_at(record: tuple[Any, ...], positions: list[int]) -> tuple[Any, ...]:
    values = list(record)
    for i in positions:
        values[i] = None if values[i] is None else json.dumps(values[i])
    return tuple(values)
