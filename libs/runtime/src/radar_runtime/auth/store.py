"""Every SQL statement of access control: the token registry and the audit logs."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from .roles import Principal, Role
from .tables import api_tokens
from .tokens import TokenRecord


def _record(row: Any) -> TokenRecord:
    return TokenRecord(
        name=row.name,
        role=Role(row.role),
        email=row.email,
        scope=frozenset(row.scope or ()),
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )


async def token_by_hash(session: AsyncSession, digest: str) -> TokenRecord | None:
    row = (
        await session.execute(select(api_tokens).where(api_tokens.c.token_sha256 == digest))
    ).first()
    return _record(row) if row is not None else None


async def token_by_name(session: AsyncSession, name: str) -> TokenRecord | None:
    row = (await session.execute(select(api_tokens).where(api_tokens.c.name == name))).first()
    return _record(row) if row is not None else None


async def all_tokens(session: AsyncSession) -> list[TokenRecord]:
    rows = await session.execute(select(api_tokens).order_by(api_tokens.c.created_at))
    return [_record(row) for row in rows]


async def insert_token(
    session: AsyncSession,
    *,
    name: str,
    role: Role,
    email: str | None,
    scope: Sequence[str],
    digest: str,
    created_at: datetime,
    created_by: str,
    expires_at: datetime | None,
) -> None:
    await session.execute(
        insert(api_tokens).values(
            id=uuid.uuid4(),
            name=name,
            role=role.value,
            email=email,
            scope=list(scope),
            token_sha256=digest,
            created_at=created_at,
            created_by=created_by,
            expires_at=expires_at,
        )
    )


async def revoke_token(session: AsyncSession, name: str, at: datetime, by: str) -> bool:
    result = await session.execute(
        update(api_tokens)
        .where(api_tokens.c.name == name, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=at, revoked_by=by)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def mark_used(session: AsyncSession, digest: str, at: datetime) -> None:
    await session.execute(
        update(api_tokens).where(api_tokens.c.token_sha256 == digest).values(last_used_at=at)
    )


async def write_audit(
    session: AsyncSession,
    table: Table,
    *,
    at: datetime,
    actor: Principal,
    action: str,
    target_type: str,
    target_id: str,
    before: Any,
    after: Any,
    request_id: str | None,
) -> None:
    await session.execute(
        insert(table).values(
            at=at,
            actor_subject=actor.subject,
            actor_name=actor.name,
            actor_email=actor.email,
            actor_role=actor.role.value,
            via=actor.via,
            action=action,
            target_type=target_type,
            target_id=target_id,
            before=_json(before),
            after=_json(after),
            request_id=request_id,
        )
    )


def _json(value: Any) -> Any:
    # Through JSON text and back: dates and decimals become what the API shows.
    return None if value is None else json.loads(json.dumps(value, default=str))


async def read_audit(
    session: AsyncSession,
    table: Table,
    *,
    before_id: int | None,
    limit: int,
    action: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    actor: str | None = None,
) -> list[dict[str, Any]]:
    """Newest first, `limit` rows below `before_id` (the cursor)."""
    query = select(table).order_by(table.c.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(table.c.id < before_id)
    if action:
        query = query.where(table.c.action == action)
    if target_type:
        query = query.where(table.c.target_type == target_type)
    if target_id:
        query = query.where(table.c.target_id == target_id)
    if actor:
        query = query.where((table.c.actor_subject == actor) | (table.c.actor_email == actor))
    return [dict(row._mapping) for row in await session.execute(query)]
