"""Building blocks shared by every contract: base models, bounded types, enums, Person.

Numbers and booleans are strict (no "5" for 5, no "yes" for true) so the validator
accepts exactly what the published JSON Schema describes; strings, dates and UUIDs
are parsed from their JSON text as usual.
"""

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, StringConstraints

CONTRACT_CONFIG = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Contract(BaseModel):
    """Base of every contract model: unknown fields rejected, immutable, finite floats."""

    model_config = CONTRACT_CONFIG


class Payload(Contract):
    """Base of every event payload."""


# Patterns double as JSON Schema `pattern`s; errors.py turns a mismatch into the reason here.
CURRENCY_PATTERN = r"^[A-Z]{3}$"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
METRIC_PATTERN = r"^[a-z][a-z0-9_]*(?:\.[a-z0-9][a-z0-9_-]*)*$"
PATTERN_REASONS: dict[str, str] = {
    CURRENCY_PATTERN: "must be an ISO 4217 currency code of 3 uppercase letters, e.g. USD",
    EMAIL_PATTERN: "must be an email address such as jane@example.com",
    METRIC_PATTERN: (
        "must be a lowercase dotted identifier such as active_users, logins, api_calls "
        "or feature.<name>"
    ),
}

Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=256)]
# Composite keys (rule + account + subscription) can outgrow a single id.
Key = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=512)]
Text = Annotated[str, StringConstraints(max_length=2000)]
Currency = Annotated[str, StringConstraints(pattern=CURRENCY_PATTERN)]
Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=254, pattern=EMAIL_PATTERN)
]
Metric = Annotated[str, StringConstraints(max_length=128, pattern=METRIC_PATTERN)]

StrictBool = Annotated[bool, Strict()]
Number = Annotated[float, Strict()]
NonNegative = Annotated[float, Strict(), Field(ge=0)]
Money = NonNegative
Score100 = Annotated[float, Strict(), Field(ge=0, le=100)]
Probability = Annotated[float, Strict(), Field(ge=0, le=1)]
Count = Annotated[int, Strict(), Field(ge=0)]


class Segment(StrEnum):
    SMB = "smb"
    MID_MARKET = "mid_market"
    ENTERPRISE = "enterprise"


class Region(StrEnum):
    AMER = "amer"
    EMEA = "emea"
    APAC = "apac"


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class Band(StrEnum):
    """A health score's band."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


class RiskBand(StrEnum):
    """A renewal risk score's band."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class AlertRule(StrEnum):
    """Every early-warning rule; its value is the `rule` of the alerts it raises."""

    HEALTH_BAND_DROPPED = "health.band_dropped"
    HEALTH_SHARP_DECLINE = "health.sharp_decline"
    USAGE_SHARP_DROP = "usage.sharp_drop"
    ENGAGEMENT_SILENT = "engagement.silent"
    CHAMPION_LEFT = "champion.left"
    SUPPORT_ESCALATION = "support.escalation"
    NPS_DETRACTOR = "nps.detractor"
    RENEWAL_WINDOW_OPENED = "renewal.window_opened"
    RENEWAL_AT_RISK = "renewal.at_risk"
    RENEWAL_OVERDUE = "renewal.overdue"
    RENEWAL_CHURNED = "renewal.churned"


Priority = Literal["low", "normal", "high", "urgent"]
EngagementKind = Literal["meeting", "qbr", "call", "email", "training"]
ContactRole = Literal["champion", "decision_maker", "exec_sponsor", "user"]
ContactChange = Literal["joined", "left"]
ForecastCategory = Literal["pipeline", "best_case", "commit", "closed", "omitted"]
RenewalState = Literal[
    "upcoming",
    "in_window",
    "overdue",
    "renewed_early",
    "renewed_on_time",
    "renewed_late",
    "churned",
]


class Person(Contract):
    """A CSM or manager an alert can be routed to."""

    name: Name
    email: Email
    slack_id: Id | None = None
