"""Write the next revision of a branch from the tables its code declares:

    DATABASE_URL=... python -m radar_runtime.migrations revision --service health -m "why"

`--service` is `runtime` or a service whose package `radar_<service>.migrations` has
`MIGRATIONS`. Any PostgreSQL will do: the branch's revisions are applied to a scratch
schema, compared with the tables in code, and everything is rolled back afterwards.
The script lands in the branch's versions/; review it before committing.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import uuid
from typing import Any

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from ..db import Database
from ..settings import RuntimeSettings
from . import AUTH, RUNTIME, Migrations, config


def branch(service: str) -> Migrations:
    if service in (RUNTIME.branch, AUTH.branch):
        return RUNTIME if service == RUNTIME.branch else AUTH
    migrations: Migrations = importlib.import_module(f"radar_{service}.migrations").MIGRATIONS
    return migrations


def skip_if_unchanged(context: Any, revision: Any, directives: list[Any]) -> None:
    if directives[0].upgrade_ops.is_empty():
        directives.clear()
        print("The tables match the revisions: nothing written.")


def generate(sync: Connection, service: Migrations, message: str) -> None:
    cfg = config(service, sync)
    # The new script is formatted like the rest of the code (ruff, a dev dependency).
    cfg.set_section_option("post_write_hooks", "hooks", "format fix")
    for hook, options in (("format", "format --quiet"), ("fix", "check --fix --quiet")):
        cfg.set_section_option("post_write_hooks", f"{hook}.type", "module")
        cfg.set_section_option("post_write_hooks", f"{hook}.module", "ruff")
        cfg.set_section_option(
            "post_write_hooks", f"{hook}.options", f"{options} REVISION_SCRIPT_FILENAME"
        )
    service.versions.mkdir(parents=True, exist_ok=True)
    command.upgrade(cfg, "heads")
    if any(service.versions.glob("*.py")):
        head, label, depends_on = f"{service.branch}@head", None, None
    else:
        # A new branch; a service's starts once the runtime's tables exist.
        head, label, depends_on = "base", service.branch, None
        if service is not RUNTIME and not service.standalone:
            runtime = ScriptDirectory.from_config(cfg).get_revision(f"{RUNTIME.branch}@head")
            depends_on = runtime.revision if runtime is not None else None
    command.revision(
        cfg,
        message,
        autogenerate=True,
        head=head,
        branch_label=label,
        version_path=service.versions,
        depends_on=depends_on,
        process_revision_directives=skip_if_unchanged,
    )


async def revision(service: Migrations, message: str, url: str) -> None:
    db = Database(url, f"revision_{uuid.uuid4().hex[:12]}", pool_size=1)
    try:
        async with db.engine.connect() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{db.schema}"'))
            await conn.run_sync(generate, service, message)
            await conn.rollback()  # the scratch schema and all in it
    finally:
        await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m radar_runtime.migrations")
    commands = parser.add_subparsers(dest="command", required=True)
    new = commands.add_parser("revision", help="autogenerate a branch's next revision")
    new.add_argument("--service", required=True, help="runtime, auth, health, renewals or notifier")
    new.add_argument("-m", "--message", required=True, help="what the revision changes")
    args = parser.parse_args()
    asyncio.run(revision(branch(args.service), args.message, RuntimeSettings().database_url))


if __name__ == "__main__":
    main()
