"""The notifier schema's migrations make exactly the tables of `store/tables.py`: a table changed
without a revision fails here."""

import pytest

from radar_notifier.migrations import MIGRATIONS
from radar_runtime.testing.migrations import check_migrations

pytestmark = pytest.mark.integration


async def test_migrations_match_the_tables(database_url):
    await check_migrations(database_url, MIGRATIONS)
