"""The stored side of a recompute: health rows (locked), past scores, open alerts; writes."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from radar_health.domain.alerts import ActiveAlert
from radar_health.domain.assess import StoredAlert, StoredHealth
from radar_health.domain.overrides import Override
from radar_runtime.sql import plan_each_run
from radar_schemas.common import Band, Severity


@dataclass(frozen=True, slots=True)
class HealthRow:
    account_id: str
    as_of: datetime
    score: float | None
    band: str | None
    scorecard: str
    components: list[dict[str, Any]]
    missing: list[dict[str, Any]]
    emitted: tuple[float, str, str | None] | None  # score, band, override fingerprint


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    account_id: str
    at: datetime
    score: float
    band: str
    effective_score: float | None
    effective_band: str | None


# New accounts get an empty row first, so every account of the chunk can be locked:
# the lock serialises recomputes of one account across the consumer, worker, job and API.
_ENSURE_ROWS = text(
    """
    INSERT INTO account_health (account_id)
    SELECT unnest(CAST(:ids AS text[])) ORDER BY 1
    ON CONFLICT (account_id) DO NOTHING
    """
)
_LOCK_ROWS = text(
    """
    SELECT h.account_id, h.as_of, h.score, h.band, h.emitted_score, h.emitted_band,
           h.emitted_override, o.score AS o_score, o.band AS o_band, o.reason AS o_reason,
           o.author AS o_author, o.expires_at AS o_expires_at, o.created_at AS o_created_at
    FROM account_health h LEFT JOIN health_overrides o ON o.account_id = h.account_id
    WHERE h.account_id = ANY(CAST(:ids AS text[]))
    ORDER BY h.account_id
    FOR UPDATE OF h
    """
)
# The latest point at or before each lookback instant, one index probe per account.
_PAST_SCORES = text(
    """
    SELECT ids.account_id, p.at, p.score
    FROM unnest(CAST(:ids AS text[])) AS ids(account_id)
    CROSS JOIN unnest(CAST(:instants AS timestamptz[])) AS l(instant)
    CROSS JOIN LATERAL (
        SELECT h.at, h.score FROM score_history h
        WHERE h.account_id = ids.account_id AND h.at <= l.instant
        ORDER BY h.at DESC LIMIT 1
    ) AS p
    """
)
_OPEN_ALERTS = text(
    """
    SELECT dedup_key, account_id, rule, severity, alert_id, raised_at, payload
    FROM open_alerts WHERE account_id = ANY(CAST(:ids AS text[]))
    """
)
_WRITE_HEALTH = text(
    """
    UPDATE account_health AS h SET
        as_of = r.as_of, score = r.score, band = r.band, scorecard = r.scorecard,
        components = r.components::jsonb, missing = r.missing::jsonb,
        emitted_score = CASE WHEN r.emitted THEN r.score_out ELSE h.emitted_score END,
        emitted_band = CASE WHEN r.emitted THEN r.band_out ELSE h.emitted_band END,
        emitted_override = CASE WHEN r.emitted THEN r.override_out ELSE h.emitted_override END,
        emitted_at = CASE WHEN r.emitted THEN r.as_of ELSE h.emitted_at END
    FROM unnest(CAST(:ids AS text[]), CAST(:as_ofs AS timestamptz[]), CAST(:scores AS float8[]),
                CAST(:bands AS text[]), CAST(:scorecards AS text[]),
                CAST(:components AS text[]), CAST(:missing AS text[]),
                CAST(:emitted AS boolean[]), CAST(:scores_out AS float8[]),
                CAST(:bands_out AS text[]), CAST(:overrides_out AS text[]))
         AS r(account_id, as_of, score, band, scorecard, components, missing, emitted,
              score_out, band_out, override_out)
    WHERE h.account_id = r.account_id
    """
)
_WRITE_HISTORY = text(
    """
    INSERT INTO score_history AS s (account_id, at, score, band, effective_score, effective_band)
    SELECT * FROM unnest(CAST(:ids AS text[]), CAST(:ats AS timestamptz[]),
        CAST(:scores AS float8[]), CAST(:bands AS text[]),
        CAST(:effective_scores AS float8[]), CAST(:effective_bands AS text[]))
    ON CONFLICT (account_id, at) DO UPDATE SET
        score = EXCLUDED.score, band = EXCLUDED.band,
        effective_score = EXCLUDED.effective_score, effective_band = EXCLUDED.effective_band
    """
)
_CLOSE_ALERTS = text("DELETE FROM open_alerts WHERE dedup_key = ANY(CAST(:keys AS text[]))")
_OPEN_NEW_ALERTS = text(
    """
    INSERT INTO open_alerts (dedup_key, account_id, rule, severity, alert_id, raised_at, payload)
    SELECT * FROM unnest(CAST(:keys AS text[]),
        CAST(:accounts AS text[]), CAST(:rules AS text[]), CAST(:severities AS text[]),
        CAST(:alert_ids AS text[]), CAST(:raised_ats AS timestamptz[]), CAST(:payloads AS text[]))
    ON CONFLICT (dedup_key) DO NOTHING
    RETURNING dedup_key
    """
)


async def lock_health(session: AsyncSession, ids: Sequence[str]) -> dict[str, StoredHealth]:
    await plan_each_run(session)
    await session.execute(_ENSURE_ROWS, {"ids": list(ids)})
    stored = {}
    for row in await session.execute(_LOCK_ROWS, {"ids": list(ids)}):
        override = None
        if row.o_expires_at is not None:
            override = Override(
                reason=row.o_reason,
                author=row.o_author,
                expires_at=row.o_expires_at,
                score=row.o_score,
                band=Band(row.o_band) if row.o_band else None,
                created_at=row.o_created_at,
            )
        stored[row.account_id] = StoredHealth(
            account_id=row.account_id,
            as_of=row.as_of,
            score=row.score,
            band=Band(row.band) if row.band else None,
            emitted_score=row.emitted_score,
            emitted_band=Band(row.emitted_band) if row.emitted_band else None,
            emitted_override=row.emitted_override,
            override=override,
        )
    return stored


async def read_past_scores(
    session: AsyncSession, ids: Sequence[str], as_of: datetime, lookback_days: Iterable[int]
) -> dict[str, list[tuple[datetime, float]]]:
    instants = [as_of - timedelta(days=days) for days in sorted(set(lookback_days))]
    points: dict[str, list[tuple[datetime, float]]] = defaultdict(list)
    rows = await session.execute(_PAST_SCORES, {"ids": list(ids), "instants": instants})
    for account_id, at, score in rows:
        points[account_id].append((at, score))
    return points


async def read_open_alerts(
    session: AsyncSession, ids: Sequence[str]
) -> dict[str, dict[str, StoredAlert]]:
    alerts: dict[str, dict[str, StoredAlert]] = defaultdict(dict)
    for row in await session.execute(_OPEN_ALERTS, {"ids": list(ids)}):
        active = ActiveAlert(
            dedup_key=row.dedup_key,
            rule=row.rule,
            severity=Severity(row.severity),
            account_id=row.account_id,
            raised_at=row.raised_at,
            alert_id=row.alert_id,
        )
        alerts[row.account_id][row.dedup_key] = StoredAlert(active, row.payload)
    return alerts


async def write_health(session: AsyncSession, rows: Sequence[HealthRow]) -> None:
    if not rows:
        return
    await session.execute(
        _WRITE_HEALTH,
        {
            "ids": [r.account_id for r in rows],
            "as_ofs": [r.as_of for r in rows],
            "scores": [r.score for r in rows],
            "bands": [r.band for r in rows],
            "scorecards": [r.scorecard for r in rows],
            "components": [json.dumps(r.components) for r in rows],
            "missing": [json.dumps(r.missing) for r in rows],
            "emitted": [r.emitted is not None for r in rows],
            "scores_out": [r.emitted[0] if r.emitted else None for r in rows],
            "bands_out": [r.emitted[1] if r.emitted else None for r in rows],
            "overrides_out": [r.emitted[2] if r.emitted else None for r in rows],
        },
    )


async def write_history(session: AsyncSession, points: Sequence[HistoryPoint]) -> None:
    if not points:
        return
    await session.execute(
        _WRITE_HISTORY,
        {
            "ids": [p.account_id for p in points],
            "ats": [p.at for p in points],
            "scores": [p.score for p in points],
            "bands": [p.band for p in points],
            "effective_scores": [p.effective_score for p in points],
            "effective_bands": [p.effective_band for p in points],
        },
    )


async def close_alerts(session: AsyncSession, dedup_keys: Sequence[str]) -> None:
    if dedup_keys:
        await session.execute(_CLOSE_ALERTS, {"keys": list(dedup_keys)})


async def open_new_alerts(session: AsyncSession, alerts: Sequence[StoredAlert]) -> set[str]:
    """Store raised alerts; returns the keys stored (an already open key is left alone)."""
    if not alerts:
        return set()
    rows = await session.execute(
        _OPEN_NEW_ALERTS,
        {
            "keys": [a.alert.dedup_key for a in alerts],
            "accounts": [a.alert.account_id for a in alerts],
            "rules": [a.alert.rule for a in alerts],
            "severities": [a.alert.severity.value for a in alerts],
            "alert_ids": [a.alert.alert_id for a in alerts],
            "raised_ats": [a.alert.raised_at for a in alerts],
            "payloads": [a.payload_json for a in alerts],
        },
    )
    return set(rows.scalars())
