"""Derived topics: `cs.health.v1`, `cs.renewals.v1`, `cs.alerts.v1` (written via outboxes)."""

from datetime import date
from typing import Annotated, Any, Literal, Self

from pydantic import (
    AwareDatetime,
    Field,
    Strict,
    StringConstraints,
    ValidationError,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from radar_schemas.common import (
    AlertRule,
    Band,
    Contract,
    Count,
    Currency,
    Id,
    Instant,
    Key,
    Money,
    Name,
    NonNegative,
    Number,
    Payload,
    Person,
    Probability,
    Region,
    RenewalState,
    RiskBand,
    Score100,
    Segment,
    Severity,
    Text,
)
from radar_schemas.envelope import Envelope

# Lists are bounded like strings, so one message stays a reasonable size.
MAX_ITEMS = 64

DriverValue = Number | Annotated[str, StringConstraints(max_length=256)] | None


class Driver(Contract):
    """One reason behind a score or an alert, with its number."""

    name: Name
    value: DriverValue = None
    explanation: Text
    impact: Number | None = None

    # One clear error instead of one per union member.
    @field_validator("value", mode="wrap")
    @classmethod
    def _one_error_for_value(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        try:
            return handler(value)
        except ValidationError:
            raise PydanticCustomError(
                "driver_value", "must be a number, a string of at most 256 characters, or null"
            ) from None


class ScoreComponent(Contract):
    """One scorecard measure; `raw_value`/`sub_score` are null when it had no data."""

    measure: Id
    raw_value: Number | None = None
    sub_score: Score100 | None = None
    weight: NonNegative
    explanation: Text


class ScoreOverride(Contract):
    """A CSM's manual override; it holds until `expires_at`, across recomputes."""

    score: Score100 | None = None
    band: Band | None = None
    reason: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    author: Name
    expires_at: AwareDatetime

    @model_validator(mode="after")
    def _score_or_band(self) -> Self:
        if self.score is None and self.band is None:
            raise PydanticCustomError("override_empty", "must set a score or a band")
        return self


class HealthScored(Payload):
    score: Score100
    band: Band
    previous_score: Score100 | None = None
    previous_band: Band | None = None
    components: Annotated[list[ScoreComponent], Field(max_length=MAX_ITEMS)]
    missing: list[Id] = Field(default_factory=list, max_length=MAX_ITEMS)
    score_7d_ago: Score100 | None = None
    score_30d_ago: Score100 | None = None
    override: ScoreOverride | None = None
    segment: Segment | None = None
    # Support tickets open at `as_of` that are escalated or of a watched priority (the
    # ones health raises `support.escalation` for); None from producers that predate it.
    open_escalations: Count | None = None
    provisional: bool = Field(
        default=False,
        description="True while the account's history is still arriving (a backfill): "
        "the score reads part of it as the whole, and health's own rules hold their "
        "verdicts until it settles. Show it; do not judge on it.",
    )
    as_of: AwareDatetime


class HealthScoredEvent(Envelope):
    type: Literal["health.scored"] = "health.scored"
    payload: HealthScored


class RenewalStateChanged(Payload):
    subscription_id: Id
    state: RenewalState
    previous_state: RenewalState | None = None
    renewal_date: date
    days_to_renewal: Annotated[int, Strict()] = Field(description="Negative once past due.")
    risk_score: Score100
    risk_band: RiskBand
    p_renew: Probability
    arr: Money
    expected_arr: Money
    drivers: list[Driver] = Field(default_factory=list, max_length=MAX_ITEMS)
    evaluated_at: Instant | None = Field(
        default=None,
        description=(
            "When renewals reached this verdict (its clock). A term's newest verdict is "
            "the one evaluated last: while a history loads, a fact from long ago can "
            "arrive after a verdict stamped today, so occurred_at (when the fact behind "
            "it happened) cannot tell which is newer."
        ),
    )


class RenewalStateChangedEvent(Envelope):
    type: Literal["renewal.state_changed"] = "renewal.state_changed"
    payload: RenewalStateChanged


class Alert(Payload):
    """What happened, why, what to do and who owns it; shared by raised and resolved."""

    alert_id: Id
    rule: AlertRule
    severity: Severity
    dedup_key: Key
    title: Name
    summary: Text
    drivers: list[Driver] = Field(default_factory=list, max_length=MAX_ITEMS)
    recommended_actions: list[Text] = Field(default_factory=list, max_length=MAX_ITEMS)
    owner: Person | None = None
    manager: Person | None = None
    account_name: Name | None = None
    segment: Segment | None = None
    region: Region | None = None
    arr: Money | None = None
    # The currency of `arr` (and of every amount in the text); None from producers
    # that predate it, and then messages show amounts without a currency.
    currency: Currency | None = None
    subscription_id: Id | None = None
    renewal_date: date | None = None
    health_score: Score100 | None = None
    # The renewal's risk score when the alert is about one; a rule file may re-notify
    # an acknowledged alert when it rises by a step.
    risk_score: Score100 | None = None


class AlertRaisedEvent(Envelope):
    type: Literal["alert.raised"] = "alert.raised"
    payload: Alert


class AlertResolvedEvent(Envelope):
    type: Literal["alert.resolved"] = "alert.resolved"
    payload: Alert
