"""Rows as arrays: one array parameter per column, turned into rows by `unnest`.

A batch of any size is then one statement with a fixed number of parameters, planned
the same way for every batch (per-row parameters or multi-row VALUES are neither).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Column, ColumnClause, bindparam, cast, column, func, select
from sqlalchemy.dialects.postgresql import ARRAY, Insert, insert
from sqlalchemy.sql.selectable import TableValuedAlias


def unnested(name: str, *columns: ColumnClause[Any]) -> TableValuedAlias:
    """`unnest(CAST(:a AS type[]), …) AS name(a, …)`: the i-th elements of the column
    arrays make the i-th row. Bind them with `arrays(a=[…], …)`."""
    arrays = [cast(bindparam(_bound(c.name)), ARRAY(c.type)) for c in columns]
    typed = [column(c.name, c.type) for c in columns]
    return func.unnest(*arrays).table_valued(*typed).render_derived(name=name)


def arrays(**columns: Iterable[Any]) -> dict[str, list[Any]]:
    """The parameters of `unnested` columns: one list of values per column name."""
    return {_bound(name): list(values) for name, values in columns.items()}


def _bound(column_name: str) -> str:
    # INSERT and UPDATE keep their target's column names for their own parameters.
    return f"{column_name}_values"


def insert_missing(key: Column[Any]) -> Insert:
    """Inserts a row for each key bound under the key's name that is not stored yet, in
    key order, so concurrent inserts take their locks in the same order."""
    keys = unnested("k", key)
    rows = select(keys).order_by(keys.c[key.name])
    return insert(key.table).from_select([key.name], rows).on_conflict_do_nothing()
