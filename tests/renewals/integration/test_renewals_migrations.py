"""The renewals schema's migrations make exactly the tables of `store/tables.py` (a table
changed without a revision fails here), and convert the rows already stored."""

import uuid
from datetime import UTC, datetime

import pytest
from alembic import command
from sqlalchemy import text

from radar_renewals.migrations import MIGRATIONS
from radar_runtime.db import Database
from radar_runtime.migrations import config, migrate
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


async def test_text_versions_become_version_at_and_version_id(database_url):
    db = Database(database_url, f"m_{uuid.uuid4().hex[:12]}", pool_size=1)
    first, second = uuid.uuid4(), uuid.uuid4()
    try:
        async with db.engine.begin() as conn:  # the schema before the conversion
            await conn.execute(text(f'CREATE SCHEMA "{db.schema}"'))
            await conn.run_sync(
                lambda sync: command.upgrade(config(MIGRATIONS, sync), "5b2e8f0c4a17")
            )
            await conn.execute(
                text(
                    "INSERT INTO opportunity_edits (opportunity_id, version, subscription_id, "
                    "account_id, stage, forecast_category, close_date, amount, occurred_at) "
                    "VALUES ('opp-1', :v, 'sub-1', 'acct-1', 'Proposal', 'pipeline', "
                    "'2026-06-01', 1000, now())"
                ),
                [
                    {"v": f"2026-01-05T09:00:00.123456Z|{first}"},
                    {"v": f"2026-01-05T09:00:00.123456Z|{second}"},
                ],
            )
        await migrate(db, MIGRATIONS)
        async with db.engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        "SELECT version_at, version_id FROM opportunity_edits "
                        "ORDER BY version_at, version_id"
                    )
                )
            ).all()
        at = datetime(2026, 1, 5, 9, 0, 0, 123456, tzinfo=UTC)
        assert [tuple(row) for row in rows] == sorted([(at, first), (at, second)])
    finally:
        await db.dispose()
