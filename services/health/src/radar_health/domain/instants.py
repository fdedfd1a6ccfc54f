"""Event-time helpers. The domain never reads a clock: every instant is passed in."""

from datetime import UTC, date, datetime, timedelta

SECONDS_PER_DAY = 86_400.0


def require_aware(instant: datetime, name: str = "as_of") -> datetime:
    """Reject naive datetimes: a naive instant silently shifts every window by the host's zone."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {instant!r}")
    return instant


def utc_day(instant: datetime) -> date:
    """The UTC calendar day an instant falls on: the bucket for daily aggregates."""
    return require_aware(instant, "instant").astimezone(UTC).date()


def elapsed_days(since: datetime, until: datetime) -> float:
    """Fractional days from `since` to `until`, never negative (a later event reads as 'now')."""
    return max(0.0, (until - since).total_seconds() / SECONDS_PER_DAY)


def days_until(day: date, as_of: datetime) -> int:
    """Whole days from the UTC day of `as_of` to `day` (negative once `day` has passed)."""
    return (day - utc_day(as_of)).days


def within_last(instant: datetime, as_of: datetime, days: int) -> bool:
    """True when `instant` is at or before `as_of` and less than `days` days old."""
    return as_of - timedelta(days=days) < instant <= as_of
