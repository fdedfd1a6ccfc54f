"""Account health: the current score (its row is the lock a recompute takes), the score
history and the open alerts; read and written a chunk of accounts at a time."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Boolean, DateTime, Text, case, column, delete, func, select, true, update
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession

from radar_health.domain.alerts import ActiveAlert
from radar_health.domain.assess import StoredAlert, StoredHealth
from radar_health.domain.scoring import HealthScore
from radar_runtime.sql import among, plan_each_run
from radar_schemas.common import AlertRule, Band, Severity

from .arrays import arrays, insert_missing, unnested
from .overrides import ACCOUNTS_WITH_HEALTH, OVERRIDE_COLUMNS, override_of, shown_band
from .tables import account_health, health_overrides, open_alerts, score_history

_h, _o = account_health.c, health_overrides.c


class Emitted(NamedTuple):
    """What a health.scored announced: kept to tell when the next one is due."""

    score: float
    band: str
    override: str | None  # the override's fingerprint
    escalations: int


_EMITTED = ("emitted_score", "emitted_band", "emitted_override", "emitted_escalations")


@dataclass(frozen=True, slots=True)
class HealthRow:
    account_id: str
    as_of: datetime
    score: float | None
    band: str | None
    scorecard: str
    components: list[dict[str, Any]]
    missing: list[dict[str, Any]]
    emitted: Emitted | None  # None: no health.scored this time
    judged: bool  # the rules judged at `as_of` (not held)


@dataclass(frozen=True, slots=True)
class HistoryPoint:
    account_id: str
    at: datetime
    score: float
    band: str
    effective_score: float | None
    effective_band: str | None


def stored_components(score: HealthScore) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Components and missing measures as kept in account_health and shown by the API."""
    components = [
        {
            "measure": c.measure.value,
            "raw_value": c.raw_value,
            "sub_score": c.sub_score,
            "weight": c.weight,
            "configured_weight": c.configured_weight,
            "explanation": c.explanation,
        }
        for c in score.components
    ]
    missing = [{"measure": m.measure.value, "reason": m.reason} for m in score.missing]
    return components, missing


# New accounts get an empty row first, so every account of the chunk can be locked:
# the lock serialises recomputes of one account across the consumer, worker, job and API.
_ENSURE_ROWS = insert_missing(account_health.c.account_id)

_row = unnested(
    "r",
    *account_health.c["account_id", "as_of", "score", "band", "scorecard"],
    column("components", Text),
    column("missing", Text),
    column("emitted", Boolean),
    *account_health.c[_EMITTED],
    column("judged", Boolean),
)


def _if_emitted(name: str) -> Any:
    return case((_row.c.emitted, _row.c[name]), else_=_h[name])


_WRITE_HEALTH = (
    update(account_health)
    .values(
        {
            **{name: _row.c[name] for name in ("as_of", "score", "band", "scorecard")},
            "components": _row.c.components.cast(JSONB),
            "missing": _row.c.missing.cast(JSONB),
            **{name: _if_emitted(name) for name in _EMITTED},
            "emitted_at": case((_row.c.emitted, _row.c.as_of), else_=_h.emitted_at),
            "judged_at": case(
                (_row.c.judged, func.greatest(_h.judged_at, _row.c.as_of)), else_=_h.judged_at
            ),
        }
    )
    .where(_h.account_id == _row.c.account_id)
)

_points = unnested("p", *score_history.c)
_insert_points = insert(score_history).from_select(list(_points.c.keys()), select(_points))
_WRITE_HISTORY = _insert_points.on_conflict_do_update(
    index_elements=[score_history.c.account_id, score_history.c.at],
    set_={
        name: _insert_points.excluded[name]
        for name in ("score", "band", "effective_score", "effective_band")
    },
)

# The latest point at or before each lookback instant, one index probe per account.
_ids = unnested("ids", column("account_id", Text))
_lookbacks = unnested("l", column("instant", DateTime(timezone=True)))
_latest = (
    select(score_history.c.at, score_history.c.score)
    .where(
        score_history.c.account_id == _ids.c.account_id,
        score_history.c.at <= _lookbacks.c.instant,
    )
    .order_by(score_history.c.at.desc())
    .limit(1)
    .lateral("p")
)
_PAST_SCORES = select(_ids.c.account_id, _latest.c.at, _latest.c.score).select_from(
    _ids.join(_lookbacks, true()).join(_latest, true())
)

_opened = unnested("a", *open_alerts.c)
_OPEN_ALERTS = (
    insert(open_alerts)
    .from_select(list(_opened.c.keys()), select(_opened))
    .on_conflict_do_nothing()
)


async def lock_health(session: AsyncSession, ids: Sequence[str]) -> dict[str, StoredHealth]:
    """The accounts' health rows, locked in account order, with their overrides."""
    await plan_each_run(session)
    await session.execute(_ENSURE_ROWS, arrays(account_id=ids))
    statement = (
        select(
            *account_health.c["account_id", "as_of", "score", "band", "judged_at"],
            *account_health.c[_EMITTED],
            *OVERRIDE_COLUMNS,
        )
        .select_from(account_health.outerjoin(health_overrides, _o.account_id == _h.account_id))
        .where(among(_h.account_id, ids))
        .order_by(_h.account_id)
        .with_for_update(of=account_health)
    )
    stored = {}
    for row in await session.execute(statement):
        stored[row.account_id] = StoredHealth(
            account_id=row.account_id,
            as_of=row.as_of,
            score=row.score,
            band=Band(row.band) if row.band else None,
            emitted_score=row.emitted_score,
            emitted_band=Band(row.emitted_band) if row.emitted_band else None,
            emitted_override=row.emitted_override,
            emitted_escalations=row.emitted_escalations,
            override=override_of(row),
            judged_at=row.judged_at,
        )
    return stored


async def read_past_scores(
    session: AsyncSession, ids: Sequence[str], as_of: datetime, lookback_days: Iterable[int]
) -> dict[str, list[tuple[datetime, float]]]:
    instants = [as_of - timedelta(days=days) for days in sorted(set(lookback_days))]
    points: dict[str, list[tuple[datetime, float]]] = defaultdict(list)
    rows = await session.execute(_PAST_SCORES, arrays(account_id=ids, instant=instants))
    for account_id, at, score in rows:
        points[account_id].append((at, score))
    return points


async def read_open_alerts(
    session: AsyncSession, ids: Sequence[str]
) -> dict[str, dict[str, StoredAlert]]:
    alerts: dict[str, dict[str, StoredAlert]] = defaultdict(dict)
    statement = select(open_alerts).where(among(open_alerts.c.account_id, ids))
    for row in await session.execute(statement):
        active = ActiveAlert(
            dedup_key=row.dedup_key,
            rule=AlertRule(row.rule),
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
        arrays(
            account_id=[r.account_id for r in rows],
            as_of=[r.as_of for r in rows],
            score=[r.score for r in rows],
            band=[r.band for r in rows],
            scorecard=[r.scorecard for r in rows],
            components=[json.dumps(r.components) for r in rows],
            missing=[json.dumps(r.missing) for r in rows],
            emitted=[r.emitted is not None for r in rows],
            emitted_score=[r.emitted.score if r.emitted else None for r in rows],
            emitted_band=[r.emitted.band if r.emitted else None for r in rows],
            emitted_override=[r.emitted.override if r.emitted else None for r in rows],
            emitted_escalations=[r.emitted.escalations if r.emitted else None for r in rows],
            judged=[r.judged for r in rows],
        ),
    )


async def write_history(session: AsyncSession, points: Sequence[HistoryPoint]) -> None:
    if not points:
        return
    await session.execute(
        _WRITE_HISTORY,
        arrays(
            account_id=[p.account_id for p in points],
            at=[p.at for p in points],
            score=[p.score for p in points],
            band=[p.band for p in points],
            effective_score=[p.effective_score for p in points],
            effective_band=[p.effective_band for p in points],
        ),
    )


async def close_alerts(session: AsyncSession, dedup_keys: Sequence[str]) -> None:
    if dedup_keys:
        await session.execute(delete(open_alerts).where(among(open_alerts.c.dedup_key, dedup_keys)))


async def open_new_alerts(session: AsyncSession, alerts: Sequence[StoredAlert]) -> None:
    """Store raised alerts; an already open key is left as it is."""
    if not alerts:
        return
    await session.execute(
        _OPEN_ALERTS,
        arrays(
            dedup_key=[a.alert.dedup_key for a in alerts],
            account_id=[a.alert.account_id for a in alerts],
            rule=[a.alert.rule for a in alerts],
            severity=[a.alert.severity for a in alerts],
            alert_id=[a.alert.alert_id for a in alerts],
            raised_at=[a.alert.raised_at for a in alerts],
            payload=[a.payload_json for a in alerts],
        ),
    )


async def replace_alert_payloads(session: AsyncSession, alerts: Sequence[StoredAlert]) -> None:
    """Open alerts shown again with what they name now (see `events.rerendered_alert`)."""
    if alerts:
        rows = unnested("r", open_alerts.c.dedup_key, open_alerts.c.payload)
        statement = (
            update(open_alerts)
            .values(payload=rows.c.payload)
            .where(open_alerts.c.dedup_key == rows.c.dedup_key)
        )
        await session.execute(
            statement,
            arrays(
                dedup_key=[a.alert.dedup_key for a in alerts],
                payload=[a.payload_json for a in alerts],
            ),
        )


async def trim_history(session: AsyncSession, before: datetime) -> None:
    await session.execute(delete(score_history).where(score_history.c.at < before))


async def count_by_shown_band(session: AsyncSession, now: datetime) -> dict[str, int]:
    """Accounts per band shown (an override in force counts); `unscored` without a score."""
    band = func.coalesce(shown_band(now), "unscored")
    statement = select(band, func.count()).select_from(ACCOUNTS_WITH_HEALTH).group_by(band)
    return {shown: count for shown, count in await session.execute(statement)}
