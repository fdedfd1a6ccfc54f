"""Reads behind the health API. The shown (effective) score and band are worked out at
read time from the override's expiry, so an expired override stops counting at once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, text
from sqlalchemy.ext.asyncio import AsyncSession

from radar_health.domain.trend import ScoreTrend, score_trend

# The score and band shown: an override in force wins (a band-only one keeps the score).
EFFECTIVE_SCORE = (
    "CASE WHEN o.expires_at > :now AND o.score IS NOT NULL THEN o.score ELSE h.score END"
)
EFFECTIVE_BAND = "CASE WHEN o.expires_at > :now THEN o.effective_band ELSE h.band END"
SOURCE = "CASE WHEN o.expires_at > :now THEN 'override' ELSE 'computed' END"

_ACCOUNT_HEALTH = text(
    f"""
    SELECT a.account_id, a.name, a.segment, a.region, a.owner, a.manager,
           h.as_of, h.score, h.band, h.scorecard, h.components, h.missing,
           {EFFECTIVE_SCORE} AS effective_score, {EFFECTIVE_BAND} AS effective_band,
           {SOURCE} AS source,
           o.score AS o_score, o.band AS o_band, o.reason AS o_reason, o.author AS o_author,
           o.expires_at AS o_expires_at, o.created_at AS o_created_at
    FROM accounts a
    LEFT JOIN account_health h ON h.account_id = a.account_id
    LEFT JOIN health_overrides o ON o.account_id = a.account_id
    WHERE a.account_id = :id
    """
)
_OPEN_ALERTS = text(
    """
    SELECT alert_id, rule, severity, dedup_key, payload::jsonb ->> 'title' AS title, raised_at
    FROM open_alerts WHERE account_id = :id ORDER BY raised_at, dedup_key
    """
)
_PAST_SCORE = text(
    """
    SELECT at, score FROM score_history WHERE account_id = :id AND at <= :at
    ORDER BY at DESC LIMIT 1
    """
)
_HISTORY = text(
    """
    SELECT at, score, band, effective_score, effective_band FROM score_history
    WHERE account_id = :id AND at >= :since ORDER BY at
    """
)
_KNOWN = text("SELECT 1 FROM accounts WHERE account_id = :id")


async def account_known(session: AsyncSession, account_id: str) -> bool:
    return (await session.execute(_KNOWN, {"id": account_id})).first() is not None


async def account_health(session: AsyncSession, account_id: str, now: datetime) -> Row[Any] | None:
    return (await session.execute(_ACCOUNT_HEALTH, {"id": account_id, "now": now})).first()


async def open_alerts(session: AsyncSession, account_id: str) -> Sequence[Row[Any]]:
    return (await session.execute(_OPEN_ALERTS, {"id": account_id})).all()


async def trend(
    session: AsyncSession, account_id: str, now: datetime, current: float | None
) -> ScoreTrend:
    points = []
    for days in (7, 30):
        row = (
            await session.execute(_PAST_SCORE, {"id": account_id, "at": now - timedelta(days=days)})
        ).first()
        if row is not None:
            points.append((row.at, row.score))
    return score_trend(points, now, current=current)


async def history(
    session: AsyncSession, account_id: str, now: datetime, days: int
) -> Sequence[Row[Any]]:
    since = now - timedelta(days=days)
    return (await session.execute(_HISTORY, {"id": account_id, "since": since})).all()
