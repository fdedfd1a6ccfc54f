"""The runtime's migrations, the toy service's on top of them, and writing a revision."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import Column, MetaData, Table, Text

from radar_runtime.db import Database
from radar_runtime.migrations import AUTH, Migrations, differences, migrate
from radar_runtime.migrations.__main__ import revision
from radar_runtime.testing.migrations import check_migrations

from .toy import toy_migrations

pytestmark = pytest.mark.integration


def only_script(directory: Path) -> str:
    [script] = directory.glob("*.py")
    return script.read_text()


async def test_runtime_migrations_match_the_runtime_tables(database_url):
    await check_migrations(database_url)


async def test_token_registry_migrations_match_its_tables(database_url):
    await check_migrations(database_url, AUTH)


async def test_toy_migrations_match_the_toy_tables(database_url):
    await check_migrations(database_url, toy_migrations)


async def test_a_table_without_a_revision_is_reported(database_url):
    metadata = MetaData()
    toy_migrations.metadata.tables["usage_totals"].to_metadata(metadata)
    Table("unmigrated", metadata, Column("id", Text, primary_key=True))
    drifted = Migrations("toy", toy_migrations.versions, metadata)
    db = Database(database_url, f"m_{uuid.uuid4().hex[:12]}")
    try:
        await migrate(db, drifted)
        assert [d[0] for d in await differences(db, drifted)] == ["add_table"]
    finally:
        await db.dispose()


async def test_revision_writes_a_branch_that_makes_its_tables(database_url, tmp_path: Path):
    metadata = MetaData()
    Table("notes", metadata, Column("id", Text, primary_key=True), Column("body", Text))
    scratch = Migrations("scratch", tmp_path, metadata)
    await revision(scratch, "notes", database_url)
    assert 'branch_labels = ("scratch",)' in only_script(tmp_path)
    await check_migrations(database_url, scratch)
