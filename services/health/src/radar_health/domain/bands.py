"""Health bands: the thresholds that cut a 0–100 score into them, and their order."""

from pydantic import BaseModel, ConfigDict, Field, model_validator

from radar_schemas.common import Band

_RANK = {Band.RED: 0, Band.YELLOW: 1, Band.GREEN: 2}


def band_rank(band: Band) -> int:
    """Higher is healthier, so band drops are plain comparisons."""
    return _RANK[band]


class BandThresholds(BaseModel):
    """Lowest score of each band; everything below `yellow` is red."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    green: float = Field(ge=0, le=100)
    yellow: float = Field(ge=0, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> "BandThresholds":
        if self.green <= self.yellow:
            raise ValueError(f"green ({self.green:g}) must be above yellow ({self.yellow:g})")
        return self

    def band_for(self, score: float) -> Band:
        if score >= self.green:
            return Band.GREEN
        if score >= self.yellow:
            return Band.YELLOW
        return Band.RED
