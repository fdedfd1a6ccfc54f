"""The renewals schema's migrations make exactly the tables of `tables.py`: a table changed
without a revision fails here."""

import uuid

import pytest
from sqlalchemy import text

from radar_renewals.migrations import MIGRATIONS
from radar_runtime.db import Database
from radar_runtime.migrations import migrate
from radar_runtime.testing.migrations import check_migrations

pytestmark = pytest.mark.integration


async def test_migrations_match_the_tables(database_url):
    await check_migrations(database_url, MIGRATIONS)


async def test_terms_leave_room_for_in_place_updates(database_url):
    # Not compared by the check above, and losing it would only show as slower writes.
    db = Database(database_url, f"m_{uuid.uuid4().hex[:12]}", pool_size=1)
    try:
        await migrate(db, MIGRATIONS)
        async with db.engine.connect() as conn:
            options = await conn.scalar(
                text("SELECT reloptions FROM pg_class WHERE oid = 'terms'::regclass")
            )
        assert options == ["fillfactor=70"]
    finally:
        await db.dispose()
