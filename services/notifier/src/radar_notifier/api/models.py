"""The API's request and response models."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from radar_notifier.domain.actions import Reason
from radar_schemas.common import TEXT_PATTERN, AlertRule, Severity

AlertStateName = Literal["raised", "resolved", "acked", "snoozed"]
DeliveryStatus = Literal["pending", "sending", "sent", "failed"]
ChannelName = Literal["email", "slack"]


class AlertOut(BaseModel):
    alert_id: str
    dedup_key: str
    state: AlertStateName
    rule: AlertRule
    severity: Severity
    title: str
    account_id: str
    account_name: str
    owner_email: str | None
    first_raised_at: datetime | None
    last_raised_at: datetime | None
    resolved_at: datetime | None
    acked_by: str | None
    acked_at: datetime | None
    snoozed_until: datetime | None
    inhibited_by: str | None
    recipients: list[dict[str, Any]]
    matched_routes: list[str]
    skipped_recipients: list[dict[str, Any]]
    last_notified_at: dict[str, datetime]
    # When a message about the current episode first went out; null when nobody was
    # told (yet, or at all: a condition over before its digest, or history).
    notified_at: datetime | None
    # Why and what to do, as the alert's producer said: what a person acts on.
    summary: str = ""
    drivers: list[dict[str, Any]] = Field(default_factory=list)
    recommended_actions: list[str] = Field(default_factory=list)


class AlertList(BaseModel):
    alerts: list[AlertOut]
    # Pass as `cursor` for the next page; null when this page is the last.
    next_cursor: str | None


class SnoozeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    until: AwareDatetime = Field(description="Silence the alert until this time (RFC 3339).")


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Reason = Field(description="wrong, already_known, not_actionable or other.")
    note: str | None = Field(
        None,
        max_length=2000,
        # Line breaks and tabs, but no other control characters (PostgreSQL text has no NUL).
        pattern=TEXT_PATTERN,
        description="Anything the rule's owner should know.",
    )


class FeedbackOut(BaseModel):
    """A person's "not useful" verdict on one episode of an alert."""

    id: int
    dedup_key: str
    raised_at: datetime
    alert_id: str
    rule: str
    account_id: str
    reason: Reason
    note: str | None
    by_name: str
    by_email: str | None
    via: str
    at: datetime


class FeedbackList(BaseModel):
    feedback: list[FeedbackOut]
    next_cursor: str | None


class NotUseful(BaseModel):
    total: int
    by_reason: dict[Reason, int]


class OutcomesOut(BaseModel):
    """The accounts a rule fired on, by what became of them at their next renewal."""

    accounts: int
    churned: int
    contracted: int
    renewed: int
    # No renewal decided since the alert yet.
    pending: int
    # (churned + contracted) / (churned + contracted + renewed); null with none decided.
    precision: float | None


class RuleQuality(BaseModel):
    rule: AlertRule
    # Episodes raised in the period (by event time), and how many of them were told to
    # someone, acknowledged, snoozed.
    raised: int
    notified: int
    acked: int
    snoozed: int
    not_useful: NotUseful
    # From the first message (or the alert's arrival, when none went out) to the ack.
    median_seconds_to_ack: float | None
    # For the rules meant to warn of churn ([quality] outcome_rules); null for others.
    outcomes: OutcomesOut | None


class QualityReport(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    start: date = Field(alias="from")
    end: date = Field(alias="to")
    rules: list[RuleQuality]


class DeliveryOut(BaseModel):
    id: int
    channel: ChannelName
    recipient: str
    route: str
    headline: str
    status: DeliveryStatus
    attempts: int
    # Attempts cut short before their outcome was recorded: the message may have
    # reached the recipient more than once (an email, always with the same Message-ID).
    interrupted: int
    last_error: str | None
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    created_at: datetime
    sent_at: datetime | None
    failed_at: datetime | None
    alert_ids: list[str]


class DeliveryList(BaseModel):
    deliveries: list[DeliveryOut]
    next_cursor: str | None
