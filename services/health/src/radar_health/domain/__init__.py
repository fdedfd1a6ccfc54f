"""The health service's pure domain: signals → health score → conditions → alert changes.

No I/O, no clock: every instant (`as_of`, `now`) is passed in.
"""

from radar_health.domain.alerts import (
    ActiveAlert,
    AlertChanges,
    Condition,
    Driver,
    Resolution,
    ResolveReason,
    RuleName,
    Severity,
    apply_changes,
    diff_alerts,
)
from radar_health.domain.bands import Band, BandThresholds
from radar_health.domain.overrides import EffectiveHealth, HealthSource, Override, effective_health
from radar_health.domain.rules import evaluate_rules
from radar_health.domain.rules_config import RulesConfig
from radar_health.domain.scorecard import Measure, RelationshipState, Scorecard
from radar_health.domain.scoring import Component, HealthScore, MissingMeasure, compute_health
from radar_health.domain.scoring_policy import should_emit_scored
from radar_health.domain.signals import (
    AccountSignals,
    ContactState,
    CsatResponse,
    NpsResponse,
    OpenTicket,
    active_usage_by_day,
    compare_usage_windows,
    distinct_active_users,
    is_active_usage_metric,
    recent_vs_baseline,
)
from radar_health.domain.trend import ScoreTrend, score_trend

__all__ = [
    "AccountSignals",
    "ActiveAlert",
    "AlertChanges",
    "Band",
    "BandThresholds",
    "Component",
    "Condition",
    "ContactState",
    "CsatResponse",
    "Driver",
    "EffectiveHealth",
    "HealthScore",
    "HealthSource",
    "Measure",
    "MissingMeasure",
    "NpsResponse",
    "OpenTicket",
    "Override",
    "RelationshipState",
    "Resolution",
    "ResolveReason",
    "RuleName",
    "RulesConfig",
    "ScoreTrend",
    "Scorecard",
    "Severity",
    "active_usage_by_day",
    "apply_changes",
    "compare_usage_windows",
    "compute_health",
    "diff_alerts",
    "distinct_active_users",
    "effective_health",
    "evaluate_rules",
    "is_active_usage_metric",
    "recent_vs_baseline",
    "score_trend",
    "should_emit_scored",
]
