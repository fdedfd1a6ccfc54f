"""The demo's people, one per role, for the console's sign-in page: API tokens made
in the registry on the first `radar up --demo` and kept in the radar home (readable by
its owner only); made again when the registry no longer knows one. The CSM and the
manager are people of the simulation's roster, so their books are not empty."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from radar_runtime.auth import store
from radar_runtime.auth.admin import TokenExists, issue_token
from radar_runtime.auth.cli import operator
from radar_runtime.auth.roles import Role
from radar_runtime.auth.tokens import token_hash
from radar_runtime.db import Database
from radar_runtime.migrations import AUTH, migrate
from radar_runtime.settings import RuntimeSettings

from .admin_token import registry_fields
from .simulate import roster

USERS_FILE = "demo-users.json"


def demo_people() -> list[dict[str, str]]:
    csm = roster.CSMS["amer"][0]
    manager = roster.MANAGERS["amer"]
    return [
        {"key": "csm", "name": csm.name, "email": csm.email, "role": Role.CSM.value},
        {"key": "manager", "name": manager.name, "email": manager.email, "role": "manager"},
        {
            "key": "leadership",
            "name": "Leah Ward (leadership, read only)",
            "email": "leah.ward@example.com",
            "role": Role.VIEWER.value,
        },
    ]


def ensure_demo_users(home: Path, env: dict[str, str]) -> Path:
    path = home / USERS_FILE
    known = json.loads(path.read_text()) if path.exists() else []
    users = asyncio.run(_ensure(known, RuntimeSettings(**registry_fields(env))))
    if users != known:
        path.touch(mode=0o600)
        path.write_text(json.dumps(users, indent=2) + "\n")
    return path


async def _ensure(known: list[dict[str, Any]], settings: RuntimeSettings) -> list[dict[str, Any]]:
    db = Database(
        settings.auth_database_url or settings.database_url, settings.auth_schema, pool_size=1
    )
    by_key = {str(user.get("key")): user for user in known}
    try:
        await migrate(db, AUTH)
        users = []
        for person in demo_people():
            kept = by_key.get(person["key"])
            if kept is not None and await _active(db, str(kept.get("token", ""))):
                users.append(kept)
                continue
            users.append({**person, "token": await _issue(db, person)})
        return users
    finally:
        await db.dispose()


async def _active(db: Database, token: str) -> bool:
    if not token:
        return False
    async with db.sessions() as session:
        record = await store.token_by_hash(session, token_hash(token))
    return record is not None and record.refusal(datetime.now(UTC)) is None


async def _issue(db: Database, person: dict[str, str]) -> str:
    """A token named after the person, since an API token's name is who the services
    say acted ("called by Sam Okafor"); names are never reused, so a token made again
    is "Sam Okafor (2)"."""
    for attempt in range(1, 100):
        name = person["name"] if attempt == 1 else f"{person['name']} ({attempt})"
        try:
            return await issue_token(
                db,
                name=name,
                role=Role(person["role"]),
                by=operator(),
                now=datetime.now(UTC),
                email=person["email"],
            )
        except TokenExists:
            continue
    raise TokenExists(f"every token name for {person['name']} is taken")
