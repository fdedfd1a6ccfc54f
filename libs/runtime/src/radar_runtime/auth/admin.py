"""Making and revoking API tokens, each change audited in the registry's own log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from ..db import Database
from ..migrations import AUTH, migrate
from . import store
from .roles import Principal, Role
from .tables import auth_audit_log
from .tokens import TokenRecord, new_token, token_hash


class TokenExists(ValueError):
    pass


async def issue_token(
    db: Database,
    *,
    name: str,
    role: Role,
    by: Principal,
    now: datetime,
    email: str | None = None,
    scope: Sequence[str] = (),
    expires_at: datetime | None = None,
) -> str:
    """A new token, returned once; only its hash is stored."""
    await migrate(db, AUTH)
    token = new_token()
    async with db.sessions() as session, session.begin():
        if await store.token_by_name(session, name) is not None:
            raise TokenExists(f"a token named {name!r} exists (names are never reused)")
        await store.insert_token(
            session,
            name=name,
            role=role,
            email=email,
            scope=scope,
            digest=token_hash(token),
            created_at=now,
            created_by=by.label,
            expires_at=expires_at,
        )
        after = {"name": name, "role": role.value, "email": email, "scope": sorted(scope)}
        after["expires_at"] = expires_at.isoformat() if expires_at else None
        await store.write_audit(
            session,
            auth_audit_log,
            at=now,
            actor=by,
            action="token.created",
            target_type="token",
            target_id=name,
            before=None,
            after=after,
            request_id=None,
        )
    return token


async def revoke_token(db: Database, name: str, *, by: Principal, now: datetime) -> bool:
    """False when no unrevoked token has that name."""
    await migrate(db, AUTH)
    async with db.sessions() as session, session.begin():
        if not await store.revoke_token(session, name, now, by.label):
            return False
        await store.write_audit(
            session,
            auth_audit_log,
            at=now,
            actor=by,
            action="token.revoked",
            target_type="token",
            target_id=name,
            before={"revoked": False},
            after={"revoked": True},
            request_id=None,
        )
    return True


async def list_tokens(db: Database) -> list[TokenRecord]:
    await migrate(db, AUTH)
    async with db.sessions() as session:
        return await store.all_tokens(session)
