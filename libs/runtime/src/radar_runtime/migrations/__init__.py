"""Schema migrations (Alembic), applied by every service at start.

A schema's history has two branches: the runtime's tables (`versions/` beside this
file, branch `runtime`) and the service's (its `Migrations`, a branch named after the
service that depends on the runtime's first revision). Revision scripts name no
schema: the connection's search_path picks it, so one history serves `health` and
every test's throwaway schema alike. The search_path also puts `alembic_version` in
each schema; naming its schema instead (version_table_schema) would make autogenerate
see it as a table the code dropped.

`python -m radar_runtime.migrations revision --service NAME -m MESSAGE` writes the
next revision of a branch (see __main__.py).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, MetaData, text

from ..auth.tables import auth_metadata
from ..db import Database, advisory_key, runtime_metadata

__all__ = ["AUTH", "RUNTIME", "Migrations", "differences", "migrate"]

# What a comparison with the tables declared in code looks at, in autogenerate and in
# `differences` alike; server defaults too, as the scripts must reproduce them.
COMPARE_OPTIONS: dict[str, Any] = {"compare_type": True, "compare_server_default": True}


@dataclass(frozen=True)
class Migrations:
    """One branch of revisions and the tables they must produce."""

    branch: str
    versions: Path
    metadata: MetaData
    # A schema of its own that does not hold the runtime's tables (the token registry).
    standalone: bool = False


RUNTIME = Migrations("runtime", Path(__file__).with_name("versions"), runtime_metadata)
AUTH = Migrations(
    "auth", Path(__file__).parents[1] / "auth" / "migrations", auth_metadata, standalone=True
)


def branches(service: Migrations | None) -> tuple[Migrations, ...]:
    """The runtime's branch, then the service's own."""
    if service is not None and service.standalone:
        return (service,)
    return (RUNTIME,) if service is None or service is RUNTIME else (RUNTIME, service)


def config(service: Migrations | None, connection: Connection) -> Config:
    """Alembic's configuration, built here: no alembic.ini ships with the services."""
    config = Config(attributes={"connection": connection, "branches": branches(service)})
    config.set_main_option("script_location", str(Path(__file__).parent))
    config.set_main_option("path_separator", "os")
    locations = os.pathsep.join(str(b.versions) for b in branches(service))
    config.set_main_option("version_locations", locations.replace("%", "%%"))
    return config


async def migrate(db: Database, service: Migrations | None = None) -> None:
    """Create the schema and bring it to the newest revision of the runtime's and the
    service's branches, in one transaction; safe to run from several replicas."""
    async with db.engine.begin() as conn:
        # Replicas starting together wait here, then find the schema up to date.
        await conn.execute(
            text("SELECT pg_advisory_xact_lock(:k)"), {"k": advisory_key(db.schema, "migrate")}
        )
        await conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{db.schema}"'))
        await conn.run_sync(lambda sync: command.upgrade(config(service, sync), "heads"))


async def differences(db: Database, service: Migrations | None = None) -> list[Any]:
    """How the schema differs from the tables declared in code (Alembic's diff tuples)."""
    metadata = [b.metadata for b in branches(service)]

    def compare(sync: Connection) -> list[Any]:
        context = MigrationContext.configure(sync, opts=COMPARE_OPTIONS)
        return list(compare_metadata(context, metadata))  # type: ignore[arg-type]

    async with db.engine.connect() as conn:
        return await conn.run_sync(compare)
