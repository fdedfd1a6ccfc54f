"""The scorecard: which measures make up the health score, how each maps to 0–100, weights.

Values come from configuration (`radar_health/defaults.toml`); nothing here has a
default, so a number can only live in one place.
"""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, model_validator

from radar_health.domain.bands import BandThresholds


class Measure(StrEnum):
    USAGE_TREND = "usage_trend"
    LICENSE_UTILIZATION = "license_utilization"
    SUPPORT_LOAD = "support_load"
    SATISFACTION = "satisfaction"
    ENGAGEMENT_RECENCY = "engagement_recency"
    RELATIONSHIP = "relationship"


class Settings(BaseModel):
    """Base of every configuration model: unknown keys are typos, values never change."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class LinearBounds(Settings):
    """A raw value scores 100 at `full_at`, 0 at `zero_at`, linearly between, clamped.

    Works in both directions: for support load `full_at` (0) is below `zero_at` (10).
    """

    full_at: float
    zero_at: float

    @model_validator(mode="after")
    def _distinct(self) -> "LinearBounds":
        if self.full_at == self.zero_at:
            raise ValueError(f"full_at and zero_at must differ (both {self.full_at:g})")
        return self

    def sub_score(self, raw_value: float) -> float:
        fraction = (raw_value - self.zero_at) / (self.full_at - self.zero_at)
        return min(100.0, max(0.0, fraction * 100.0))


class UsageTrendSettings(LinearBounds):
    """Raw value: % change of active usage, last `window_days` vs the `window_days` before."""

    window_days: PositiveInt


class LicenseUtilizationSettings(LinearBounds):
    """Raw value: distinct active users in the last `window_days` as % of seats."""

    window_days: PositiveInt


class PriorityWeights(Settings):
    urgent: float = Field(ge=0)
    high: float = Field(ge=0)
    normal: float = Field(ge=0)
    low: float = Field(ge=0)


class SupportLoadSettings(LinearBounds):
    """Raw value: open tickets weighted by priority, plus `escalation_weight` per escalation."""

    priority_weights: PriorityWeights
    escalation_weight: float = Field(ge=0)


class SatisfactionSettings(LinearBounds):
    """Raw value: mean NPS (0–10) of the last `window_days`; CSAT 1–5 mapped to 0–10 if no NPS."""

    window_days: PositiveInt
    csat_fallback: bool


class EngagementRecencySettings(LinearBounds):
    """Raw value: days since the last logged engagement."""


class RelationshipState(StrEnum):
    """Where the account stands with its champion and exec sponsor, best first."""

    BOTH_PRESENT = "both_present"
    CHAMPION_ONLY = "champion_only"
    EXEC_SPONSOR_ONLY = "exec_sponsor_only"  # no champion was ever named
    EXEC_SPONSOR_CHAMPION_LEFT = "exec_sponsor_champion_left"
    NONE_NAMED = "none_named"  # contacts known, but no champion or sponsor ever
    LEFT_NONE_NAMED = "left_none_named"  # a champion or sponsor left; neither role filled


class RelationshipLevels(Settings):
    """Raw value (0–100) given to each relationship state."""

    both_present: float = Field(ge=0, le=100)
    champion_only: float = Field(ge=0, le=100)
    exec_sponsor_only: float = Field(ge=0, le=100)
    exec_sponsor_champion_left: float = Field(ge=0, le=100)
    none_named: float = Field(ge=0, le=100)
    left_none_named: float = Field(ge=0, le=100)

    def points(self, state: RelationshipState) -> float:
        return float(getattr(self, state))  # a StrEnum member is its own name


class RelationshipSettings(LinearBounds):
    levels: RelationshipLevels


class Weights(Settings):
    """Relative weights; a weight of 0 switches a measure off."""

    usage_trend: float = Field(ge=0)
    license_utilization: float = Field(ge=0)
    support_load: float = Field(ge=0)
    satisfaction: float = Field(ge=0)
    engagement_recency: float = Field(ge=0)
    relationship: float = Field(ge=0)

    @model_validator(mode="after")
    def _some_weight(self) -> "Weights":
        if all(self.of(measure) == 0 for measure in Measure):
            raise ValueError("weights must not all be zero")
        return self

    def of(self, measure: Measure) -> float:
        return float(getattr(self, measure))  # a StrEnum member is its own name


class Scorecard(Settings):
    name: str  # "default" or the segment it applies to
    weights: Weights
    bands: BandThresholds
    usage_trend: UsageTrendSettings
    license_utilization: LicenseUtilizationSettings
    support_load: SupportLoadSettings
    satisfaction: SatisfactionSettings
    engagement_recency: EngagementRecencySettings
    relationship: RelationshipSettings

    def bounds(self, measure: Measure) -> LinearBounds:
        bounds: LinearBounds = getattr(self, measure)
        return bounds
