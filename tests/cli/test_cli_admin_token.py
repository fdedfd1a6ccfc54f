"""`radar up`'s admin token: made once, kept, made again when the registry drops it."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime

from radar_cli.admin_token import TOKEN_FILE, ensure_admin_token
from radar_cli.demo_users import ensure_demo_users
from radar_runtime.auth import store
from radar_runtime.auth.admin import revoke_token
from radar_runtime.auth.cli import operator
from radar_runtime.auth.roles import Role
from radar_runtime.auth.tokens import TokenRecord, token_hash
from radar_runtime.db import Database


def test_the_admin_token_is_made_once_and_replaced_when_revoked(database_url, tmp_path):
    env = {"DATABASE_URL": database_url, "RADAR_AUTH_SCHEMA": f"auth_{uuid.uuid4().hex[:8]}"}
    first = ensure_admin_token(tmp_path, env)
    assert (tmp_path / TOKEN_FILE).read_text().strip() == first
    assert (tmp_path / TOKEN_FILE).stat().st_mode & 0o077 == 0
    assert ensure_admin_token(tmp_path, env) == first

    registry = env["RADAR_AUTH_SCHEMA"]
    name = asyncio.run(_revoke(database_url, registry, first))
    second = ensure_admin_token(tmp_path, env)
    assert second != first
    assert (tmp_path / TOKEN_FILE).read_text().strip() == second
    renewed = asyncio.run(_lookup(database_url, registry, second))
    assert renewed is not None and renewed.role is Role.ADMIN
    assert renewed.name != name


async def _lookup(database_url: str, schema: str, token: str) -> TokenRecord | None:
    db = Database(database_url, schema, pool_size=1)
    try:
        async with db.sessions() as session:
            return await store.token_by_hash(session, token_hash(token))
    finally:
        await db.dispose()


async def _revoke(database_url: str, schema: str, token: str) -> str:
    record = await _lookup(database_url, schema, token)
    assert record is not None
    db = Database(database_url, schema, pool_size=1)
    try:
        assert await revoke_token(db, record.name, by=operator(), now=datetime.now(UTC))
    finally:
        await db.dispose()
    return record.name


def test_demo_people_act_under_their_own_names(database_url, tmp_path):
    """A demo token's name is who the services say acted, so it is the person's name;
    made again after a revocation, it is the same name numbered, never a made-up id."""
    env = {"DATABASE_URL": database_url, "RADAR_AUTH_SCHEMA": f"auth_{uuid.uuid4().hex[:8]}"}
    path = ensure_demo_users(tmp_path, env)
    users = {user["key"]: user for user in json.loads(path.read_text())}
    registry = env["RADAR_AUTH_SCHEMA"]
    for key in ("csm", "manager"):
        record = asyncio.run(_lookup(database_url, registry, users[key]["token"]))
        assert record is not None and record.name == users[key]["name"]
        assert record.principal().name == users[key]["name"]
        assert record.email == users[key]["email"]

    asyncio.run(_revoke(database_url, registry, users["manager"]["token"]))
    again = {user["key"]: user for user in json.loads(ensure_demo_users(tmp_path, env).read_text())}
    assert again["csm"]["token"] == users["csm"]["token"]
    renewed = asyncio.run(_lookup(database_url, registry, again["manager"]["token"]))
    assert renewed is not None and renewed.name == f"{users['manager']['name']} (2)"
