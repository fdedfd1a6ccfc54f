"""The state every health rule reads, gathered once per evaluation."""

import math
from dataclasses import dataclass
from datetime import datetime

from radar_health.domain.alert_rules.settings import AlertRules
from radar_health.domain.alerts import Driver
from radar_health.domain.scoring import HealthScore
from radar_health.domain.signals import AccountSignals
from radar_health.domain.trend import ScoreTrend

WEAKEST_COMPONENTS_SHOWN = 3  # enough to explain a score without burying the reader


@dataclass(frozen=True, slots=True)
class RuleContext:
    signals: AccountSignals
    current: HealthScore
    previous: HealthScore | None
    trend: ScoreTrend | None
    rules: AlertRules
    as_of: datetime

    @property
    def account_id(self) -> str:
        return self.signals.account_id


def at_most(value: float, limit: float) -> bool:
    """`value ≤ limit`, tolerant of float noise so an exact threshold fires as documented."""
    return value <= limit or math.isclose(value, limit, rel_tol=1e-9, abs_tol=1e-9)


def weakest_components(score: HealthScore) -> tuple[Driver, ...]:
    """The lowest sub-scores: the measures that pull the health score down."""
    weakest = sorted(score.components, key=lambda c: (c.sub_score, c.measure.value))
    return tuple(
        Driver(name=c.measure.value, value=c.sub_score, explanation=c.explanation)
        for c in weakest[:WEAKEST_COMPONENTS_SHOWN]
    )
