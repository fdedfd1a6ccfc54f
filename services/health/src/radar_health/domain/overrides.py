"""Manual overrides by a CSM: a score or band with a reason and an expiry.

An override wins until `expires_at` (exclusive) and is never dropped by a recompute:
recomputing only replaces the computed score, which is always reported beside it.
With a band-only override the computed score is still shown as the score.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from radar_health.domain.bands import BandThresholds
from radar_health.domain.instants import require_aware
from radar_health.domain.scoring import HealthScore
from radar_schemas.common import Band


@dataclass(frozen=True, slots=True)
class Override:
    reason: str
    author: str
    expires_at: datetime
    score: float | None = None
    band: Band | None = None
    created_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.score is None and self.band is None:
            raise ValueError("an override sets a score, a band or both")
        if self.score is not None and not 0 <= self.score <= 100:
            raise ValueError(f"override score must be within 0–100, got {self.score}")
        if not self.reason.strip():
            raise ValueError("an override needs a reason")
        if not self.author.strip():
            raise ValueError("an override needs an author")
        require_aware(self.expires_at, "expires_at")

    def is_active(self, now: datetime) -> bool:
        return now < self.expires_at


class HealthSource(StrEnum):
    COMPUTED = "computed"
    OVERRIDE = "override"


@dataclass(frozen=True, slots=True)
class EffectiveHealth:
    """What is shown and used, with the computed score always alongside."""

    score: float | None
    band: Band | None
    source: HealthSource
    computed: HealthScore
    override: Override | None  # the override in force, if any
    expired_override: Override | None  # kept so a UI can say "override expired on …"

    @property
    def is_overridden(self) -> bool:
        return self.source is HealthSource.OVERRIDE


def override_band(override: Override, bands: BandThresholds) -> Band:
    """The band an override puts the account in: its own, else the band of its score."""
    if override.band is not None:
        return override.band
    assert override.score is not None  # an override sets a score, a band or both
    return bands.band_for(override.score)


def effective_health(
    computed: HealthScore, override: Override | None, now: datetime
) -> EffectiveHealth:
    """What is shown: the override while it is in force (its score, or the computed one
    for a band-only override; its band, or its score's), else the computed health.
    `store/overrides.py` says the same in SQL for reads; a test holds them together."""
    require_aware(now, "now")
    if override is None or not override.is_active(now):
        return EffectiveHealth(
            score=computed.score,
            band=computed.band,
            source=HealthSource.COMPUTED,
            computed=computed,
            override=None,
            expired_override=override,
        )
    return EffectiveHealth(
        score=override.score if override.score is not None else computed.score,
        band=override_band(override, computed.bands),
        source=HealthSource.OVERRIDE,
        computed=computed,
        override=override,
        expired_override=None,
    )
