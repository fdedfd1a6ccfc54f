"""Database access: one engine per service, its tables in the service's own schema.

Tables are declared without a schema; each connection's `search_path` points at the
service's schema, so the same tables serve `health`, `renewals`, or a test's schema.
They are made and changed by migrations only (`radar_runtime.migrations`).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Identity,
    Index,
    LargeBinary,
    MetaData,
    Table,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from .auth.tables import audit_table

log = logging.getLogger(__name__)

runtime_metadata = MetaData()

# Claimed per source: the same event id from two source systems names two events.
processed_events = Table(
    "processed_events",
    runtime_metadata,
    Column("source", Text, primary_key=True, server_default=""),
    Column("event_id", Uuid, primary_key=True),
    Column("processed_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

outbox = Table(
    "outbox",
    runtime_metadata,
    Column("id", BigInteger, Identity(), primary_key=True),
    Column("topic", Text, nullable=False),
    Column("key", Text, nullable=False),
    Column("value", LargeBinary, nullable=False),
    Column("headers", JSONB, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("published_at", DateTime(timezone=True)),
    Index("outbox_unpublished", "id", postgresql_where=text("published_at IS NULL")),
)

scheduled_jobs = Table(
    "scheduled_jobs",
    runtime_metadata,
    Column("name", Text, primary_key=True),
    Column("last_run_at", DateTime(timezone=True), nullable=False),
)

audit_log = audit_table(runtime_metadata)

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def advisory_key(*parts: str) -> int:
    """A stable signed 64-bit key for `pg_advisory_lock` from readable names."""
    digest = hashlib.blake2b(":".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class Database:
    """The service's engine and session factory, bound to its schema."""

    def __init__(self, url: str, schema: str, *, pool_size: int = 10) -> None:
        if not _SCHEMA_NAME.match(schema):
            raise ValueError(f"invalid schema name {schema!r}: use lowercase letters, digits, _")
        self.schema = schema
        self.engine: AsyncEngine = create_async_engine(
            url,
            pool_size=pool_size,
            max_overflow=pool_size,
            pool_pre_ping=True,
            connect_args={"server_settings": {"search_path": schema}},
        )
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    @property
    def notify_channel(self) -> str:
        return f"{self.schema}_outbox"

    async def ping(self, timeout: float = 2.0) -> bool:
        try:
            async with asyncio.timeout(timeout), self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:  # any failure means "not reachable now"
            return False

    async def dispose(self) -> None:
        await self.engine.dispose()


SessionFactory = async_sessionmaker[AsyncSession]
