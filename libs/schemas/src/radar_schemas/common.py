"""Building blocks shared by every contract: base models, bounded types, enums, Person.

Numbers and booleans are strict (no "5" for 5, no "yes" for true) so the validator
accepts exactly what the published JSON Schema describes; strings, dates and UUIDs
are parsed from their JSON text as usual.
"""

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
)

CONTRACT_CONFIG = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Contract(BaseModel):
    """Base of every contract model: unknown fields rejected, immutable, finite floats."""

    model_config = CONTRACT_CONFIG


class Payload(Contract):
    """Base of every event payload."""


# Patterns double as JSON Schema `pattern`s; errors.py turns a mismatch into the reason here.
CURRENCY_PATTERN = r"^[A-Z]{3}$"
# Control characters are C0, DEL and C1; whitespace is spelled out, because JSON Schema's
# `\s` (ECMAScript's) and Python's and Rust's differ at the edges (U+0085, U+FEFF).
_CONTROL = r"\x00-\x1f\x7f-\x9f"
_SPACE = r" \t\n\v\f\r\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
EMAIL_PATTERN = rf"^[^@{_SPACE}{_CONTROL}]+@[^@{_SPACE}{_CONTROL}]+\.[^@{_SPACE}{_CONTROL}]+$"
METRIC_PATTERN = r"^[a-z][a-z0-9_]*(?:\.[a-z0-9][a-z0-9_-]*)*$"
# Ids and names hold no control character (NUL cannot even be stored in PostgreSQL
# text) and more than whitespace; free text may hold tabs and line breaks.
PLAIN_PATTERN = rf"^[^{_CONTROL}]*$"
NAME_PATTERN = rf"^[^{_CONTROL}]*[^{_SPACE}{_CONTROL}][^{_CONTROL}]*$"
TEXT_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
PATTERN_REASONS: dict[str, str] = {
    CURRENCY_PATTERN: "must be an ISO 4217 currency code of 3 uppercase letters, e.g. USD",
    EMAIL_PATTERN: "must be an email address such as jane@example.com",
    METRIC_PATTERN: (
        "must be a lowercase dotted identifier such as active_users, logins, api_calls "
        "or feature.<name>"
    ),
    PLAIN_PATTERN: "must not contain control characters such as NUL, tab or line breaks",
    NAME_PATTERN: (
        "must hold more than whitespace and no control characters such as NUL, tab or line breaks"
    ),
    TEXT_PATTERN: "must not contain control characters such as NUL (tabs and line breaks are fine)",
}

# What the consumers' columns and date arithmetic hold: integers are PostgreSQL
# `integer`s, amounts `numeric(18, 2)`, and every date and time stays far from the
# ends of the calendar, so adding a term or a window can never overflow.
INT32_MAX = 2**31 - 1
MONEY_MAX = 1e15
QUANTITY_MAX = 1e12
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)
EARLIEST_INSTANT = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_INSTANT = datetime(2200, 1, 1, tzinfo=UTC)

Id = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=128, pattern=NAME_PATTERN),
]
Name = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=256, pattern=NAME_PATTERN),
]
# Composite keys (rule + account + subscription) can outgrow a single id.
Key = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=512, pattern=NAME_PATTERN),
]
Text = Annotated[str, StringConstraints(max_length=2000, pattern=TEXT_PATTERN)]
Currency = Annotated[str, StringConstraints(pattern=CURRENCY_PATTERN)]
Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=254, pattern=EMAIL_PATTERN)
]
Metric = Annotated[str, StringConstraints(max_length=128, pattern=METRIC_PATTERN)]


def _whole_number(value: Any) -> Any:
    # JSON Schema's "integer" includes 3.0: take it as 3, and still no "3" or true.
    return int(value) if isinstance(value, float) and value.is_integer() else value


StrictBool = Annotated[bool, Strict()]
# Bounds go before the validator, so the JSON Schema still carries them.
WholeNumber = BeforeValidator(_whole_number)
Number = Annotated[float, Strict()]
NonNegative = Annotated[float, Strict(), Field(ge=0)]
Money = Annotated[float, Strict(), Field(ge=0, lt=MONEY_MAX)]
Quantity = Annotated[float, Strict(), Field(ge=0, le=QUANTITY_MAX)]
Score100 = Annotated[float, Strict(), Field(ge=0, le=100)]
Probability = Annotated[float, Strict(), Field(ge=0, le=1)]
Count = Annotated[int, Strict(), Field(ge=0, le=INT32_MAX), WholeNumber]
# JSON Schema has no standard bound for dates: formatMinimum/formatMaximum (the
# vocabulary ajv and others read) say it, and the validator enforces it.
ContractDate = Annotated[
    date,
    Field(
        ge=EARLIEST_DATE,
        le=LATEST_DATE,
        json_schema_extra={
            "formatMinimum": EARLIEST_DATE.isoformat(),
            "formatMaximum": LATEST_DATE.isoformat(),
        },
    ),
]
Instant = Annotated[
    AwareDatetime,
    Field(
        ge=EARLIEST_INSTANT,
        lt=LATEST_INSTANT,
        json_schema_extra={
            "formatMinimum": "1900-01-01T00:00:00Z",
            "formatExclusiveMaximum": "2200-01-01T00:00:00Z",
        },
    ),
]


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
