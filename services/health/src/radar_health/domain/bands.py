"""Health bands and the thresholds that cut a 0–100 score into them."""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Band(StrEnum):
    RED = "red"
    YELLOW = "yellow"
    GREEN = "green"

    @property
    def rank(self) -> int:
        """Higher is healthier, so band drops are plain comparisons."""
        return _RANK[self]


_RANK = {Band.RED: 0, Band.YELLOW: 1, Band.GREEN: 2}


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
