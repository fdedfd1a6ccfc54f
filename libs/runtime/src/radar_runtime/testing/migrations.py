"""The check every service's tests run on its migrations, against a real PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import text

from radar_runtime.db import Database
from radar_runtime.migrations import Migrations, differences, migrate

HINT = (
    "the tables declared in code and the schema the migrations make differ: add a "
    "revision (python -m radar_runtime.migrations revision --service NAME -m WHY)"
)


async def check_migrations(database_url: str, service: Migrations | None = None) -> None:
    """Fail unless migrating a new schema makes exactly the tables the code declares,
    migrating it again changes nothing, and two replicas racing on a new schema both
    succeed."""
    db = Database(database_url, f"m_{uuid.uuid4().hex[:12]}", pool_size=1)
    try:
        await migrate(db, service)
        diffs = await differences(db, service)
        assert not diffs, "\n".join([HINT, *map(repr, diffs)])
        heads = await _versions(db)
        await migrate(db, service)
        assert await _versions(db) == heads
    finally:
        await db.dispose()

    schema = f"m_{uuid.uuid4().hex[:12]}"
    replicas = [Database(database_url, schema, pool_size=1) for _ in range(2)]
    try:
        await asyncio.gather(*(migrate(replica, service) for replica in replicas))
        assert await _versions(replicas[0]) == heads
    finally:
        for replica in replicas:
            await replica.dispose()


async def _versions(db: Database) -> list[str]:
    async with db.engine.connect() as conn:
        rows = await conn.execute(text("SELECT version_num FROM alembic_version ORDER BY 1"))
        return list(rows.scalars())
