"""The local stack's admin API token: made on the first start, kept in the radar home
(readable by its owner only) and made again if the registry no longer knows it."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, datetime
from pathlib import Path

from radar_runtime.auth import store
from radar_runtime.auth.admin import issue_token
from radar_runtime.auth.cli import operator
from radar_runtime.auth.roles import Role
from radar_runtime.auth.tokens import token_hash
from radar_runtime.db import Database
from radar_runtime.migrations import AUTH, migrate
from radar_runtime.settings import RuntimeSettings

TOKEN_FILE = "admin-token"


def ensure_admin_token(home: Path, env: dict[str, str]) -> str:
    path = home / TOKEN_FILE
    known = path.read_text().strip() if path.exists() else None
    token = asyncio.run(_ensure(known, RuntimeSettings(**registry_fields(env))))
    if token != known:
        path.touch(mode=0o600)
        path.write_text(token + "\n")
    return token


def registry_fields(env: dict[str, str]) -> dict[str, str]:
    names = {"DATABASE_URL": "database_url", "RADAR_AUTH_SCHEMA": "auth_schema"}
    return {field: env[name] for name, field in names.items() if name in env}


async def _ensure(known: str | None, settings: RuntimeSettings) -> str:
    """`known` if the registry holds it as an active token, else a new admin token."""
    db = Database(
        settings.auth_database_url or settings.database_url, settings.auth_schema, pool_size=1
    )
    try:
        await migrate(db, AUTH)
        if known:
            async with db.sessions() as session:
                record = await store.token_by_hash(session, token_hash(known))
            if record is not None and record.refusal(datetime.now(UTC)) is None:
                return known
        # Names are never reused: a new stack's token gets a name of its own.
        now = datetime.now(UTC)
        name = f"local-admin-{now:%Y%m%d-%H%M%S}-{secrets.token_hex(2)}"
        return await issue_token(db, name=name, role=Role.ADMIN, by=operator(), now=now)
    finally:
        await db.dispose()
