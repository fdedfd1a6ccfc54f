"""Settings of the health-side early-warning rules (`[rules.*]` in the rule file)."""

from pydantic import Field, PositiveInt, field_validator

from radar_health.domain.scorecard import Settings
from radar_health.domain.trend import DEFAULT_LOOKBACK_DAYS
from radar_schemas.common import ContactRole, Priority, Severity


class RuleSettings(Settings):
    enabled: bool
    actions: tuple[str, ...]  # the recommended play, in order

    @field_validator("actions")
    @classmethod
    def _no_blank_action(cls, actions: tuple[str, ...]) -> tuple[str, ...]:
        if any(not action.strip() for action in actions):
            raise ValueError("actions must not be blank")
        return actions


class BandDroppedSettings(RuleSettings):
    to_red_severity: Severity
    green_to_yellow_severity: Severity


class SharpDeclineSettings(RuleSettings):
    severity: Severity
    points: float = Field(gt=0)
    window_days: PositiveInt


class UsageSharpDropSettings(RuleSettings):
    severity: Severity
    recent_days: PositiveInt
    baseline_days: PositiveInt
    threshold_percent: float = Field(gt=0)  # fires at or below this % of the baseline mean
    min_baseline: float = Field(ge=0)  # ignore accounts whose baseline mean is below this


class EngagementSilentSettings(RuleSettings):
    severity: Severity
    days: PositiveInt


class ChampionLeftSettings(RuleSettings):
    roles: tuple[ContactRole, ...] = Field(min_length=1)
    severity: Severity
    near_renewal_severity: Severity
    near_renewal_days: PositiveInt  # renewal strictly fewer days away → near_renewal_severity


class SupportEscalationSettings(RuleSettings):
    severity: Severity
    priorities: tuple[Priority, ...]  # an open ticket of these priorities fires


class NpsDetractorSettings(RuleSettings):
    severity: Severity
    max_score: int = Field(ge=0, le=10)
    clears_after_days: PositiveInt


class AlertRules(Settings):
    """The `[rules]` table: one section per rule."""

    # After an event for a past day last arrived, hold every verdict this long.
    backfill_settle_minutes: int = Field(ge=0)
    band_dropped: BandDroppedSettings
    sharp_decline: SharpDeclineSettings
    usage_sharp_drop: UsageSharpDropSettings
    engagement_silent: EngagementSilentSettings
    champion_left: ChampionLeftSettings
    support_escalation: SupportEscalationSettings
    nps_detractor: NpsDetractorSettings

    @property
    def trend_lookback_days(self) -> tuple[int, ...]:
        """Lookbacks to pass to `score_trend`: 7 and 30 days plus the sharp-decline window."""
        return tuple(sorted({*DEFAULT_LOOKBACK_DAYS, self.sharp_decline.window_days}))
