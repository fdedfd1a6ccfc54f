"""The health service's early-warning rules, evaluated as conditions over the current state.

`evaluate_rules` says which conditions hold now; `alerts.diff_alerts` turns them into
alerts to raise and resolve. Rules see the *computed* health score: an override changes
what is shown, while alerts keep explaining the measured numbers (a CSM who disagrees
acknowledges or snoozes the alert in the notifier).

- `settings`: what each rule's `[rules.<name>]` table in the rule file holds;
- `context`: the state every rule reads;
- `score`: rules on the health score (band drops, sharp declines);
- `signals`: rules on the account's signals (usage, engagement, contacts, tickets, NPS).
"""

from collections.abc import Callable
from datetime import datetime

from radar_health.domain.alert_rules.context import RuleContext
from radar_health.domain.alert_rules.score import band_dropped, sharp_decline
from radar_health.domain.alert_rules.settings import AlertRules, RuleSettings
from radar_health.domain.alert_rules.signals import (
    champion_left,
    engagement_silent,
    nps_detractor,
    support_escalation,
    usage_sharp_drop,
)
from radar_health.domain.alerts import Condition
from radar_health.domain.instants import require_aware
from radar_health.domain.scoring import HealthScore
from radar_health.domain.signals import AccountSignals
from radar_health.domain.trend import ScoreTrend

Rule = Callable[[RuleContext], list[Condition]]

_RULES: tuple[tuple[Callable[[AlertRules], RuleSettings], Rule], ...] = (
    (lambda rules: rules.band_dropped, band_dropped),
    (lambda rules: rules.sharp_decline, sharp_decline),
    (lambda rules: rules.usage_sharp_drop, usage_sharp_drop),
    (lambda rules: rules.engagement_silent, engagement_silent),
    (lambda rules: rules.champion_left, champion_left),
    (lambda rules: rules.support_escalation, support_escalation),
    (lambda rules: rules.nps_detractor, nps_detractor),
)


def evaluate_rules(
    signals: AccountSignals,
    current: HealthScore,
    previous: HealthScore | None,
    trend: ScoreTrend | None,
    rules: AlertRules,
    as_of: datetime,
) -> list[Condition]:
    """Every condition that holds for the account at `as_of`, sorted by dedup_key.

    `previous` is the last stored score (None for the first); `trend` must include the
    `sharp_decline.window_days` lookback (see `AlertRules.trend_lookback_days`).
    """
    require_aware(as_of)
    ctx = RuleContext(signals, current, previous, trend, rules, as_of)
    conditions = [
        condition
        for settings_of, rule in _RULES
        if settings_of(rules).enabled
        for condition in rule(ctx)
    ]
    return sorted(conditions, key=lambda c: c.dedup_key)
