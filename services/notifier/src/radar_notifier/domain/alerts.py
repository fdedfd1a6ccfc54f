"""The notifier's own view of an alert, independent of the wire contract."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from radar_schemas.common import AlertRule, Region, Segment, Severity

_SEVERITY_RANK = {Severity.INFO: 0, Severity.WARNING: 1, Severity.CRITICAL: 2}


def severity_rank(severity: Severity) -> int:
    """Info < warning < critical: for `min_severity` and for ordering a digest."""
    return _SEVERITY_RANK[severity]


class NoticeKind(StrEnum):
    """What a notification tells its recipient about an alert."""

    RAISED = "raised"
    RESOLVED = "resolved"


class NoticeReason(StrEnum):
    """Why a recipient hears of a raised alert (again)."""

    FIRST = "first"
    REPEAT = "repeat"
    # Acknowledged, but worse since by a `[[renotify]]` step.
    WORSE = "worse"


@dataclass(frozen=True, kw_only=True)
class Person:
    name: str
    email: str | None = None
    slack_id: str | None = None


@dataclass(frozen=True, kw_only=True)
class Driver:
    """One reason behind an alert, with the number that makes it concrete."""

    name: str
    value: float | str | None
    explanation: str


@dataclass(frozen=True, kw_only=True)
class AlertView:
    """Everything the notifier needs to route, throttle and render one alert event."""

    alert_id: str
    rule: AlertRule
    severity: Severity
    dedup_key: str
    title: str
    summary: str
    account_id: str
    account_name: str
    # None when the alert did not say.
    segment: Segment | None
    region: Region | None
    occurred_at: datetime
    drivers: tuple[Driver, ...] = ()
    recommended_actions: tuple[str, ...] = ()
    owner: Person | None = None
    manager: Person | None = None
    arr: float | None = None
    # ISO 4217 code of `arr`; None when the producer did not say (shown without one).
    currency: str | None = None
    subscription_id: str | None = None
    renewal_date: date | None = None
    health_score: float | None = None
    risk_score: float | None = None
    resolved: bool = False

    def __post_init__(self) -> None:
        # Naive datetimes would only fail later, in a comparison far from the cause.
        if self.occurred_at.tzinfo is None:
            raise ValueError("AlertView.occurred_at must be timezone-aware")

    @property
    def notice(self) -> NoticeKind:
        return NoticeKind.RESOLVED if self.resolved else NoticeKind.RAISED
