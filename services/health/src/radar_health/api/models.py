"""Request and response bodies of the health API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, Self

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator

from radar_schemas.common import TEXT_PATTERN, Band, Person, Region, Segment

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
    # Free text, but no NUL or other control characters: PostgreSQL text cannot hold NUL.
    reason: Annotated[
        str,
        StringConstraints(
            strip_whitespace=True, min_length=1, max_length=2000, pattern=TEXT_PATTERN
        ),
    ]
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


class Contact(BaseModel):
    contact_id: str
    name: str | None = Field(description="From the newest contact.changed or contact.identified")
    email: str | None


class TimelineEventOut(BaseModel):
    event_id: str
    type: str = Field(description="The event type, e.g. ticket.opened, nps.submitted")
    occurred_at: datetime
    payload: dict[str, Any] = Field(description="The event's payload as it came")
    contact: Contact | None = Field(description="Who the event names, by name when known")
    currency: str | None = Field(description="The subscription's currency (subscription events)")
    cursor: str = Field(description="Pass as `cursor` for the events after (older than) this one")


class TimelineOut(BaseModel):
    account_id: str
    events: list[TimelineEventOut] = Field(description="Newest first")
    next_cursor: str | None = Field(description="Pass as `cursor` for older events; null: no more")


class UsageOut(BaseModel):
    account_id: str
    days: list[str] = Field(description="Every UTC day of the window, oldest first")
    metrics: dict[str, list[float]] = Field(description="Each metric's total on each day")


class OverrideChangeOut(BaseModel):
    id: int
    at: datetime
    action: Literal["set", "removed"]
    by: str = Field(description="Who changed it, by name")
    by_email: str | None
    score: float | None
    band: Band | None
    reason: str | None
    expires_at: datetime | None


class OverrideHistoryOut(BaseModel):
    account_id: str
    changes: list[OverrideChangeOut] = Field(description="Newest first")
    next_cursor: str | None = Field(description="Pass as `cursor` for older changes")


class TrendPointOut(BaseModel):
    day: str
    score: float = Field(description="The shown score at the day's last point")


class AccountTrendOut(BaseModel):
    account_id: str
    points: list[TrendPointOut] = Field(description="Oldest first; days without a point left out")


class TrendsOut(BaseModel):
    days: int
    accounts: list[AccountTrendOut]


class ScoredAtOut(BaseModel):
    at: datetime
    score: float | None = Field(description="Computed from the events before `at`")
    band: Band | None
    components: list[ComponentOut]
    missing: list[MissingOut]


class MeasureMoveOut(BaseModel):
    measure: str
    from_value: float | None
    to_value: float | None
    from_sub_score: float | None
    to_sub_score: float | None
    sub_score_change: float | None
    from_explanation: str | None
    to_explanation: str | None
    from_missing: str | None = Field(description="Why the measure had no data then")
    to_missing: str | None


class ChangesOut(BaseModel):
    account_id: str
    from_: ScoredAtOut = Field(alias="from")
    to: ScoredAtOut
    score_change: float | None
    band_changed: bool
    moves: list[MeasureMoveOut] = Field(description="Largest sub-score move first")

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)
