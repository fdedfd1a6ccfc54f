"""Health-side early-warning rules, evaluated as conditions over the current state.

`evaluate_rules` says which conditions hold now; `diff_alerts` (re-exported here) turns
them into alerts to raise and resolve. Rules see the *computed* health score: an
override changes what is shown, while alerts keep explaining the measured numbers (a
CSM who disagrees acknowledges or snoozes the alert in the notifier).
"""

from collections.abc import Callable
from datetime import datetime

from radar_health.domain.alerts import (
    ActiveAlert,
    AlertChanges,
    Condition,
    apply_changes,
    diff_alerts,
)
from radar_health.domain.health_rules import band_dropped, sharp_decline
from radar_health.domain.instants import require_aware
from radar_health.domain.rule_context import RuleContext
from radar_health.domain.rules_config import RulesConfig, RuleSettings
from radar_health.domain.scoring import HealthScore
from radar_health.domain.signal_rules import (
    champion_left,
    engagement_silent,
    nps_detractor,
    support_escalation,
    usage_sharp_drop,
)
from radar_health.domain.signals import AccountSignals
from radar_health.domain.trend import ScoreTrend

__all__ = [
    "ActiveAlert",
    "AlertChanges",
    "Condition",
    "apply_changes",
    "diff_alerts",
    "evaluate_rules",
]

Rule = Callable[[RuleContext], list[Condition]]

_RULES: tuple[tuple[Callable[[RulesConfig], RuleSettings], Rule], ...] = (
    (lambda config: config.band_dropped, band_dropped),
    (lambda config: config.sharp_decline, sharp_decline),
    (lambda config: config.usage_sharp_drop, usage_sharp_drop),
    (lambda config: config.engagement_silent, engagement_silent),
    (lambda config: config.champion_left, champion_left),
    (lambda config: config.support_escalation, support_escalation),
    (lambda config: config.nps_detractor, nps_detractor),
)


def evaluate_rules(
    signals: AccountSignals,
    current: HealthScore,
    previous: HealthScore | None,
    trend: ScoreTrend | None,
    rules_config: RulesConfig,
    as_of: datetime,
) -> list[Condition]:
    """Every condition that holds for the account at `as_of`, sorted by dedup_key.

    `previous` is the last stored score (None for the first); `trend` must include the
    `sharp_decline.window_days` lookback (see `HealthConfig.trend_lookback_days`).
    """
    require_aware(as_of)
    ctx = RuleContext(signals, current, previous, trend, rules_config, as_of)
    conditions = [
        condition
        for settings_of, rule in _RULES
        if settings_of(rules_config).enabled
        for condition in rule(ctx)
    ]
    return sorted(conditions, key=lambda c: c.dedup_key)
