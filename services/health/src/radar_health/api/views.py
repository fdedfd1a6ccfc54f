"""The account health view: stored score, the override beside it, trend and open alerts."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from . import queries
from .models import (
    AccountHealthOut,
    ComponentOut,
    MissingOut,
    OpenAlertOut,
    OverrideOut,
    TrendOut,
    person,
)


async def health_view(
    session: AsyncSession, account_id: str, now: datetime
) -> AccountHealthOut | None:
    row = await queries.account_health(session, account_id, now)
    if row is None:
        return None
    trend = await queries.trend(session, account_id, now, row.score)
    alerts = await queries.open_alerts(session, account_id)
    override = None
    if row.o_expires_at is not None:
        override = OverrideOut(
            score=row.o_score,
            band=row.o_band,
            reason=row.o_reason,
            author=row.o_author,
            expires_at=row.o_expires_at,
            created_at=row.o_created_at,
            active=row.o_expires_at > now,
        )
    return AccountHealthOut(
        account_id=row.account_id,
        name=row.name,
        segment=row.segment,
        region=row.region,
        owner=person(row.owner),
        manager=person(row.manager),
        score=row.effective_score,
        band=row.effective_band,
        source=row.source,
        computed_score=row.score,
        computed_band=row.band,
        scorecard=row.scorecard,
        components=[ComponentOut.model_validate(c) for c in row.components or []],
        missing=[MissingOut.model_validate(m) for m in row.missing or []],
        trend=TrendOut(
            score_7d_ago=trend.score_7d_ago,
            score_30d_ago=trend.score_30d_ago,
            change_7d=trend.delta_7d,
            change_30d=trend.delta_30d,
        ),
        override=override,
        open_alerts=[
            OpenAlertOut(
                alert_id=a.alert_id,
                rule=a.rule,
                severity=a.severity,
                dedup_key=a.dedup_key,
                title=a.title or a.rule,
                raised_at=a.raised_at,
            )
            for a in alerts
        ],
        last_updated=row.as_of,
    )
