"""Email action links already used (`used_links`), by the SHA-256 of the link."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from radar_notifier.domain.email_links import Claim
from radar_notifier.store.tables import used_links

u = used_links


async def use(session: AsyncSession, digest: str, claim: Claim, at: datetime) -> bool:
    """Note the link as used; False when it was used before."""
    statement = (
        insert(u)
        .values(
            token_sha256=digest,
            alert_id=claim.alert_id,
            action=claim.code,
            recipient=claim.recipient,
            used_at=at,
            expires_at=claim.expires_at,
        )
        .on_conflict_do_nothing(index_elements=[u.c.token_sha256])
        .returning(u.c.token_sha256)
    )
    return (await session.execute(statement)).first() is not None


async def used_at(session: AsyncSession, digest: str) -> Any:
    return await session.scalar(select(u.c.used_at).where(u.c.token_sha256 == digest))


async def purge_expired(session: AsyncSession, now: datetime) -> None:
    await session.execute(delete(u).where(u.c.expires_at < now))
