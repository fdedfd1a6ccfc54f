"""Sessions and pending OIDC sign-ins."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from .tables import sessions, sign_ins


def hashed(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass(frozen=True)
class SessionRow:
    subject: str
    name: str
    email: str | None
    role: str
    via: str
    credential: str
    csrf: str
    expires_at: datetime


async def create(db: AsyncSession, session_id: str, row: SessionRow, now: datetime) -> None:
    await db.execute(
        insert(sessions).values(
            id_hash=hashed(session_id),
            subject=row.subject,
            name=row.name,
            email=row.email,
            role=row.role,
            via=row.via,
            credential=row.credential,
            csrf=row.csrf,
            created_at=now,
            expires_at=row.expires_at,
        )
    )


async def find(db: AsyncSession, session_id: str, now: datetime) -> SessionRow | None:
    found = (
        await db.execute(
            select(
                sessions.c.subject,
                sessions.c.name,
                sessions.c.email,
                sessions.c.role,
                sessions.c.via,
                sessions.c.credential,
                sessions.c.csrf,
                sessions.c.expires_at,
            ).where(sessions.c.id_hash == hashed(session_id), sessions.c.expires_at > now)
        )
    ).first()
    return SessionRow(**found._mapping) if found is not None else None


async def end(db: AsyncSession, session_id: str) -> None:
    await db.execute(delete(sessions).where(sessions.c.id_hash == hashed(session_id)))


async def purge_expired(db: AsyncSession, now: datetime) -> None:
    await db.execute(delete(sessions).where(sessions.c.expires_at <= now))
    await db.execute(delete(sign_ins).where(sign_ins.c.created_at <= now - timedelta(minutes=15)))


async def begin_sign_in(
    db: AsyncSession, state: str, verifier: str, nonce: str, now: datetime
) -> None:
    await db.execute(
        insert(sign_ins).values(state=state, verifier=verifier, nonce=nonce, created_at=now)
    )


async def take_sign_in(db: AsyncSession, state: str, now: datetime) -> tuple[str, str] | None:
    """The verifier and nonce of a sign-in begun in the last 15 minutes; used once."""
    found = (
        await db.execute(
            delete(sign_ins)
            .where(sign_ins.c.state == state)
            .returning(sign_ins.c.verifier, sign_ins.c.nonce, sign_ins.c.created_at)
        )
    ).first()
    if found is None or found.created_at <= now - timedelta(minutes=15):
        return None
    return found.verifier, found.nonce
