"""Request and response bodies of the health API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from radar_schemas.common import Band, Person, Region, Segment

Source = Literal["computed", "override"]


class ComponentOut(BaseModel):
    measure: str
    raw_value: float
    sub_score: float = Field(description="0–100")
    weight: float = Field(description="Share of the score in %, after missing measures")
    configured_weight: float
    explanation: str


class MissingOut(BaseModel):
    measure: str
    reason: str


class TrendOut(BaseModel):
    score_7d_ago: float | None = None
    score_30d_ago: float | None = None
    change_7d: float | None = Field(None, description="Computed score now minus 7 days ago")
    change_30d: float | None = None


class OverrideOut(BaseModel):
    score: float | None
    band: Band | None
    reason: str
    author: str
    expires_at: datetime
    created_at: datetime
    active: bool = Field(description="False once expired; kept so the expiry can be shown")


class OpenAlertOut(BaseModel):
    alert_id: str
    rule: str
    severity: str
    dedup_key: str
    title: str
    raised_at: datetime


class AccountHealthOut(BaseModel):
    account_id: str
    name: str | None
    segment: Segment | None
    region: Region | None
    owner: Person | None
    manager: Person | None
    score: float | None = Field(description="The score shown: the override's when one is in force")
    band: Band | None
    source: Source
    computed_score: float | None
    computed_band: Band | None
    scorecard: str | None
    components: list[ComponentOut]
    missing: list[MissingOut]
    trend: TrendOut
    override: OverrideOut | None
    open_alerts: list[OpenAlertOut]
    last_updated: datetime | None = Field(description="When the score was last computed")


class HistoryPointOut(BaseModel):
    at: datetime
    score: float = Field(description="Computed score")
    band: Band
    effective_score: float | None = Field(description="Shown score (override included)")
    effective_band: Band | None


class HistoryOut(BaseModel):
    account_id: str
    days: int
    points: list[HistoryPointOut]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end"
    )


class AccountListItem(BaseModel):
    account_id: str
    name: str | None
    segment: Segment | None
    region: Region | None
    owner: Person | None
    score: float | None
    band: Band | None
    source: Source
    computed_score: float | None
    computed_band: Band | None
    updated_at: datetime | None


class AccountListOut(BaseModel):
    items: list[AccountListItem]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end"
    )


class OverrideIn(BaseModel):
    """A CSM's override: a score, a band or both, with a reason and an expiry. Who set it
    comes from the credential."""

    # The schema says "a score, a band or both" too, so clients can tell before sending.
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"anyOf": [{"required": ["score"]}, {"required": ["band"]}]},
    )

    # Leave one out rather than sending null; at least one of them is set.
    score: Annotated[float, Field(ge=0, le=100)] = None  # type: ignore[assignment]
    band: Band = None  # type: ignore[assignment]
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
    expires_at: AwareDatetime

    @model_validator(mode="after")
    def _score_or_band(self) -> Self:
        if self.score is None and self.band is None:
            raise ValueError("set a score, a band or both")
        return self


def person(value: dict[str, Any] | None) -> Person | None:
    try:
        return Person.model_validate(value) if value else None
    except ValueError:
        return None
