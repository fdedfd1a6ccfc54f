"""`radar-tokens`: API tokens for scripts and automation.

    radar-tokens new --name ci-export --role viewer [--email a@b.c] [--expires-days 90]
    radar-tokens list
    radar-tokens revoke ci-export

The token is printed once; the registry keeps only its SHA-256. The registry lives in
the `RADAR_AUTH_SCHEMA` schema of `RADAR_AUTH_DATABASE_URL` (default: DATABASE_URL),
the same place the services read it.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from datetime import UTC, datetime, timedelta

from ..db import Database
from ..settings import RuntimeSettings
from .admin import TokenExists, issue_token, list_tokens, revoke_token
from .roles import Principal, Role


def operator() -> Principal:
    """Whoever runs the command on this machine: the audit log names them."""
    user = getpass.getuser()
    return Principal(subject=f"cli:{user}", name=user, email=None, role=Role.ADMIN, via="cli")


def registry(settings: RuntimeSettings) -> Database:
    return Database(
        settings.auth_database_url or settings.database_url, settings.auth_schema, pool_size=1
    )


async def run(args: argparse.Namespace, settings: RuntimeSettings) -> int:
    db = registry(settings)
    now = datetime.now(UTC)
    try:
        if args.command == "new":
            expires = now + timedelta(days=args.expires_days) if args.expires_days else None
            token = await issue_token(
                db,
                name=args.name,
                role=Role(args.role),
                by=operator(),
                now=now,
                email=args.email,
                scope=args.scope or (),
                expires_at=expires,
            )
            print(token)
            print(
                f"# {args.name}: role {args.role}"
                + (f", expires {expires:%Y-%m-%d}" if expires else ", no expiry")
                + ". Shown once: only its hash is kept.",
                file=sys.stderr,
            )
        elif args.command == "revoke":
            if not await revoke_token(db, args.name, by=operator(), now=now):
                print(f"radar-tokens: no active token named {args.name!r}", file=sys.stderr)
                return 1
            print(f"revoked {args.name}")
        else:
            for t in await list_tokens(db):
                state = "revoked" if t.revoked_at else t.refusal(now) or "active"
                used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never"
                until = f"{t.expires_at:%Y-%m-%d}" if t.expires_at else "-"
                print(f"{t.name}\t{t.role.value}\t{t.email or '-'}\t{state}\t{until}\t{used}")
        return 0
    except TokenExists as error:
        print(f"radar-tokens: {error}", file=sys.stderr)
        return 1
    finally:
        await db.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="radar-tokens", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    new = commands.add_parser("new", help="make a token and print it once")
    new.add_argument("--name", required=True, help="what the token is for, unique")
    new.add_argument("--role", required=True, choices=[r.value for r in Role])
    new.add_argument("--email", help="the person the token acts as (csm and manager tokens)")
    new.add_argument("--scope", action="append", help="a region or segment a manager token acts on")
    new.add_argument("--expires-days", type=int, help="days until it stops working")
    commands.add_parser("list", help="name, role, email, state, expiry, last use")
    revoke = commands.add_parser("revoke", help="stop a token working (within seconds)")
    revoke.add_argument("name")
    args = parser.parse_args(argv)
    raise SystemExit(asyncio.run(run(args, RuntimeSettings())))
