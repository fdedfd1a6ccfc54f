"""Slack interactions received (`slack_requests`), by signature: a request replayed
inside Slack's five-minute window is recognised and refused."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from radar_notifier.store.tables import slack_requests


async def first_time(session: AsyncSession, signature: str, at: datetime) -> bool:
    """Note a request; False when it was received before."""
    statement = (
        insert(slack_requests)
        .values(signature=signature, received_at=at)
        .on_conflict_do_nothing(index_elements=[slack_requests.c.signature])
        .returning(slack_requests.c.signature)
    )
    return (await session.execute(statement)).first() is not None


async def purge(session: AsyncSession, before: datetime) -> None:
    await session.execute(delete(slack_requests).where(slack_requests.c.received_at < before))
