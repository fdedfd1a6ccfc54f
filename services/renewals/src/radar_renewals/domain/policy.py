"""The renewal policy: the tunable numbers the domain logic takes.

Timing windows per segment, risk weights and bands, the risk → p_renew calibration and
alert settings, as validated pydantic models. The rule file (`rules.py`) is this policy
plus its version; these models only check that the numbers are consistent.
"""

from collections.abc import Mapping
from functools import cached_property
from typing import Annotated, Any, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic import ValidationInfo as Info

from radar_renewals.domain.calibration import Calibration
from radar_schemas.common import ForecastCategory, Segment

NumberT = TypeVar("NumberT", int, float)

# Strict: a quoted "30" in the file is reported, not silently converted.
Days = Annotated[int, Strict(), Field(ge=0)]
Points = Annotated[float, Strict(), Field(ge=0, le=100)]
SignedPoints = Annotated[float, Strict(), Field(ge=-100, le=100)]
Fraction = Annotated[float, Strict(), Field(ge=0, le=1)]
PositiveNumber = Annotated[float, Strict(), Field(gt=0)]
NonNegativeNumber = Annotated[float, Strict(), Field(ge=0)]


class Settings(BaseModel):
    """Base of every policy model: a misspelt key is an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class TimingRules(Settings):
    """Day counts that classify a booking and place a term in its renewal window.

    Fields are declared so each consistency check reads only fields validated before it.
    """

    early_before_days: Days = 30
    grace_days: Days = 7
    tolerance_days: Days = 90
    window_days: Days = 120
    prepare_days: Days = 90
    sign_days: Days = 30
    at_risk_days: Days = 120

    @field_validator("tolerance_days")
    @classmethod
    def _tolerance_covers_grace(cls, value: int, info: Info) -> int:
        return _not_below(value, "grace_days", info)

    @field_validator("prepare_days")
    @classmethod
    def _prepare_inside_window(cls, value: int, info: Info) -> int:
        return _not_above(value, "window_days", info)

    @field_validator("sign_days")
    @classmethod
    def _sign_after_prepare(cls, value: int, info: Info) -> int:
        return _not_above(value, "prepare_days", info)


def _not_above(value: NumberT, other: str, info: Info) -> NumberT:
    bound = info.data.get(other)
    if bound is not None and value > bound:
        raise ValueError(f"{value} must not exceed {other} ({bound})")
    return value


def _above(value: NumberT, other: str, info: Info) -> NumberT:
    bound = info.data.get(other)
    if bound is not None and value <= bound:
        raise ValueError(f"{value} must be above {other} ({bound})")
    return value


def _not_below(value: NumberT, other: str, info: Info) -> NumberT:
    bound = info.data.get(other)
    if bound is not None and value < bound:
        raise ValueError(f"{value} must not be below {other} ({bound})")
    return value


class TimingPolicy(TimingRules):
    """Default timing plus per-segment overrides; a segment overrides only what it names."""

    segments: dict[Segment, TimingRules] = {}

    @model_validator(mode="before")
    @classmethod
    def _segments_inherit_defaults(cls, data: Any) -> Any:
        # Filled in before validation so an inconsistent result is reported at the
        # segment's own key, e.g. timing.segments.enterprise.sign_days.
        if not isinstance(data, Mapping) or not isinstance(data.get("segments"), Mapping):
            return data
        # Only known keys are inherited, so a misspelt default is reported once.
        base = {key: value for key, value in data.items() if key in TimingRules.model_fields}
        try:
            TimingRules.model_validate(base)
        except ValidationError:
            return data  # report a bad default once, at its own key, not once per segment
        segments = {
            name: {**base, **override} if isinstance(override, Mapping) else override
            for name, override in data["segments"].items()
        }
        return {**data, "segments": segments}

    def for_segment(self, segment: str | None) -> TimingRules:
        """Rules for a segment; an unknown or missing segment gets the defaults."""
        for name, rules in self.segments.items():
            if name == segment:
                return rules
        return self.default_rules

    @cached_property
    def default_rules(self) -> TimingRules:
        """The [timing] values alone, for terms without a configured segment."""
        return TimingRules(**self.model_dump(exclude={"segments"}))


class RiskBands(Settings):
    """Lower bounds (inclusive) of the medium and high risk bands; below medium is low."""

    medium: Points
    high: Points

    @field_validator("high")
    @classmethod
    def _high_above_medium(cls, value: float, info: Info) -> float:
        return _above(value, "medium", info)


class HealthRisk(Settings):
    neutral_score: Points
    points_per_health_point: NonNegativeNumber


class HealthTrendRisk(Settings):
    full_drop_points: PositiveNumber
    max_points: Points


class StalledDealRisk(Settings):
    max_points: Points
    stage_progress: dict[str, Fraction]

    @field_validator("stage_progress")
    @classmethod
    def _normalised_names(cls, value: dict[str, float]) -> dict[str, float]:
        return {normalise_stage(stage): progress for stage, progress in value.items()}


class EscalationRisk(Settings):
    points_each: Points
    max_points: Points


class UtilisationRisk(Settings):
    full_points_at: Fraction
    no_points_at: Fraction
    max_points: Points

    @field_validator("no_points_at")
    @classmethod
    def _range_not_empty(cls, value: float, info: Info) -> float:
        return _above(value, "full_points_at", info)


class RiskPolicy(Settings):
    baseline: Points
    champion_lost_points: Points
    bands: RiskBands
    health: HealthRisk
    health_trend: HealthTrendRisk
    stalled_deal: StalledDealRisk
    # CRM stage -> p_renew, for stages that decide a renewal before its booking or
    # cancellation arrives (see `risk.decided_stage_driver`).
    decided_stages: dict[str, Fraction] = {}
    forecast_category: dict[ForecastCategory, SignedPoints]
    escalations: EscalationRisk
    utilisation: UtilisationRisk

    @field_validator("decided_stages")
    @classmethod
    def _normalised_stages(cls, value: dict[str, float]) -> dict[str, float]:
        return {normalise_stage(stage): p_renew for stage, p_renew in value.items()}


class CalibrationPolicy(Settings):
    knots: list[tuple[float, float]]

    @field_validator("knots")
    @classmethod
    def _valid_curve(cls, value: list[tuple[float, float]]) -> list[tuple[float, float]]:
        Calibration(tuple(value))  # raises ValueError naming the bad knot
        return value

    def curve(self) -> Calibration:
        return Calibration(tuple(self.knots))


class CurrencyPolicy(Settings):
    """How amounts in several currencies are totalled: each currency on its own, and in
    the reporting currency too when `rates` convert every currency present."""

    reporting: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "USD"
    # Units of the reporting currency per unit of each other currency (EUR = 1.08).
    rates: dict[Annotated[str, Field(pattern=r"^[A-Z]{3}$")], PositiveNumber] = {}


class ForecastPolicy(Settings):
    """Where the model's p_renew falls among the manager's call categories."""

    model_commit_from: Fraction = 0.8
    model_best_case_from: Fraction = 0.5

    @field_validator("model_best_case_from")
    @classmethod
    def _below_commit(cls, value: float, info: Info) -> float:
        return _not_above(value, "model_commit_from", info)


class AlertPolicy(Settings):
    at_risk_hysteresis_points: Points
    churned_max_age_days: Days
    history_health_age_days: Days = 2


class RenewalPolicy(Settings):
    timing: TimingPolicy
    risk: RiskPolicy
    calibration: CalibrationPolicy
    alerts: AlertPolicy
    currency: CurrencyPolicy = CurrencyPolicy()
    forecast: ForecastPolicy = ForecastPolicy()


def normalise_stage(stage: str) -> str:
    """CRM stage names vary in case and separators: 'Closed Won' == 'closed_won'."""
    return "_".join(stage.strip().lower().replace("-", " ").split())
