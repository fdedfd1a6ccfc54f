"""One account's recompute, pure: facts and stored state in, what to store and emit out."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from radar_health.domain.alert_rules import evaluate_rules
from radar_health.domain.alerts import AlertChanges, diff_alerts
from radar_health.domain.overrides import EffectiveHealth, Override, effective_health
from radar_health.domain.scoring import HealthScore, compute_health
from radar_health.domain.scoring_policy import score_moved
from radar_health.domain.trend import ScoreTrend, score_trend
from radar_health.rules import HealthRules

from .facts import AccountFacts
from .state import StoredAlert, StoredHealth


@dataclass(frozen=True, slots=True)
class Assessment:
    computed: HealthScore
    effective: EffectiveHealth
    trend: ScoreTrend
    changes: AlertChanges
    override_fingerprint: str | None  # of the override in force, None without one
    emit_scored: bool


def override_fingerprint(override: Override | None) -> str | None:
    """Identifies an override's content, so any change to it is announced once."""
    if override is None:
        return None
    parts = (override.score, override.band, override.reason, override.author)
    text = "|".join(str(p) for p in parts) + "|" + override.expires_at.isoformat()
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def assess(
    facts: AccountFacts,
    stored: StoredHealth,
    past_scores: Sequence[tuple[datetime, float]],
    open_alerts: Mapping[str, StoredAlert],
    rules: HealthRules,
    as_of: datetime,
) -> Assessment:
    signals = facts.signals
    card = rules.scorecard.for_segment(signals.segment)
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
        past_scores, as_of, current=computed.score, lookback_days=rules.alerts.trend_lookback_days
    )
    conditions = evaluate_rules(signals, computed, previous, trend, rules.alerts, as_of)
    changes = diff_alerts({k: a.alert for k, a in open_alerts.items()}, conditions, as_of)
    fingerprint = override_fingerprint(effective.override)
    announceable = effective.score is not None and effective.band is not None
    emit = score_moved(stored.emitted_score, stored.emitted_band, effective.score, effective.band)
    emit = emit or (announceable and fingerprint != stored.emitted_override)
    return Assessment(computed, effective, trend, changes, fingerprint, emit)
