"""One account's recompute, pure: facts and stored state in, what to store and emit out."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from radar_health.domain.alert_rules import evaluate_rules
from radar_health.domain.alert_rules.settings import AlertRules
from radar_health.domain.alert_rules.signals import escalations
from radar_health.domain.alerts import ActiveAlert, AlertChanges, diff_alerts
from radar_health.domain.overrides import EffectiveHealth, Override, effective_health
from radar_health.domain.scorecard import Scorecard
from radar_health.domain.scoring import HealthScore, compute_health
from radar_health.domain.signals import AccountSignals
from radar_health.domain.trend import ScoreTrend, score_trend
from radar_schemas.common import Band, Region

MIN_SCORE_CHANGE = 1.0  # points; smaller moves are noise for downstream consumers


@dataclass(frozen=True, slots=True)
class AccountFacts:
    """The signals the scorecard reads, and who the account is (for alerts and events)."""

    signals: AccountSignals
    name: str | None = None
    region: Region | None = None
    owner: dict[str, Any] | None = None
    manager: dict[str, Any] | None = None
    arr: float | None = None  # of the active terms, all in `currency`
    currency: str | None = None


@dataclass(frozen=True, slots=True)
class StoredHealth:
    """The account's last computation, what downstream last saw of it, and its override."""

    account_id: str
    as_of: datetime | None = None
    score: float | None = None
    band: Band | None = None
    emitted_score: float | None = None
    emitted_band: Band | None = None
    emitted_override: str | None = None
    emitted_escalations: int | None = None
    override: Override | None = None
    judged_at: datetime | None = None  # the latest instant the rules judged


@dataclass(frozen=True, slots=True)
class StoredAlert:
    alert: ActiveAlert
    payload_json: str  # the alert as raised


@dataclass(frozen=True, slots=True)
class Assessment:
    computed: HealthScore
    effective: EffectiveHealth
    trend: ScoreTrend
    changes: AlertChanges
    override_fingerprint: str | None  # of the override in force, None without one
    open_escalations: int  # see alert_rules.signals.escalations
    emit_scored: bool
    judged: bool  # False while history is settling: no alert raised or resolved
    provisional: bool  # history is settling: the score reads part of it as the whole


def override_fingerprint(override: Override | None) -> str | None:
    """Identifies an override's content, so any change to it is announced once."""
    if override is None:
        return None
    parts = (override.score, override.band, override.reason, override.author)
    text = "|".join(str(p) for p in parts) + "|" + override.expires_at.isoformat()
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def score_moved(
    previous_score: float | None,
    previous_band: Band | str | None,
    score: float | None,
    band: Band | str | None,
    *,
    min_score_change: float = MIN_SCORE_CHANGE,
) -> bool:
    """Whether `health.scored` is worth emitting for a score: the first one, a move of
    ≥ `min_score_change` points, or a band change.

    An unscored result is never emitted: `health.scored` carries a 0–100 score, so
    downstream keeps the last real score until data returns.
    """
    if score is None:
        return False
    if previous_score is None:
        return True
    if previous_band != band:
        return True
    # Both are rounded to one decimal; round the difference so 71.0 − 70.0 ≥ 1 holds exactly.
    return round(abs(score - previous_score), 1) >= min_score_change


def history_settling(late_at: datetime | None, as_of: datetime, settle_minutes: int) -> bool:
    """Whether an event for a past day arrived less than `settle_minutes` ago:
    the account's history is still arriving, and a part of it would be judged as if it
    were the whole (a half-filled last week reads as a usage drop)."""
    return late_at is not None and as_of - late_at < timedelta(minutes=settle_minutes)


def assess(
    facts: AccountFacts,
    stored: StoredHealth,
    past_scores: Sequence[tuple[datetime, float]],
    open_alerts: Mapping[str, StoredAlert],
    card: Scorecard,
    rules: AlertRules,
    as_of: datetime,
    *,
    judge: bool = True,
    announce: bool = False,
) -> Assessment:
    """`card`: the scorecard of the account's segment. `judge=False`: the rules hold their
    verdicts (an instant already judged); `announce`: emit health.scored for any score
    (a point of the history by event time)."""
    signals = facts.signals
    computed = compute_health(signals, card, as_of)
    effective = effective_health(computed, stored.override, as_of)
    previous = None
    if stored.score is not None and stored.band is not None and stored.as_of is not None:
        previous = HealthScore(
            account_id=signals.account_id,
            as_of=stored.as_of,
            score=stored.score,
            band=stored.band,
            components=(),
            missing=(),
            scorecard=card.name,
            bands=card.bands,
        )
    trend = score_trend(
        past_scores, as_of, current=computed.score, lookback_days=rules.trend_lookback_days
    )
    settling = history_settling(signals.late_at, as_of, rules.backfill_settle_minutes)
    judged = judge and not settling
    changes = AlertChanges(as_of, (), ())
    if judged:
        conditions = evaluate_rules(signals, computed, previous, trend, rules, as_of)
        changes = diff_alerts({k: a.alert for k, a in open_alerts.items()}, conditions, as_of)
    fingerprint = override_fingerprint(effective.override)
    escalated = len(escalations(signals, rules.support_escalation))
    # health.scored also announces a changed override or escalation count, with the score.
    announceable = effective.score is not None and effective.band is not None
    emit = score_moved(stored.emitted_score, stored.emitted_band, effective.score, effective.band)
    emit = (
        emit
        or (announce and announceable)
        or (
            announceable
            and (fingerprint, escalated) != (stored.emitted_override, stored.emitted_escalations)
        )
    )
    return Assessment(
        computed, effective, trend, changes, fingerprint, escalated, emit, judged, settling
    )
