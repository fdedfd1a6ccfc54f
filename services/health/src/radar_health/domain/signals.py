"""What the health score and the health rules know about one account at an instant.

The projection (outside the domain) builds an `AccountSignals` from its tables; the
domain only reads it. Usage arrives as daily totals bucketed by the UTC day of each
event's `occurred_at`, so late and out-of-order events land in the right window.

Definitions:
- Active usage of a day: the sum of `quantity` over that day's `usage.recorded` events
  whose metric matches `active_usage_metrics` (default `logins`, an additive counter;
  a gauge such as `active_users` would double-count when a source re-sends a day).
- Usage windows cover whole UTC days before the day of `as_of`: the running day is
  partial and would read as a drop on every early-morning recompute.
- Late events: events for a day before the UTC day they are applied on, a day the
  windows count as whole: a backfill, a replay, a consumer catching up. `late_at` is when
  such an event last arrived: a processing time, the one fact here that is not event
  time, because only arrival tells history still arriving from an account gone quiet.
- Distinct active users: distinct `user_id`s on usage events of any metric whose last
  day seen is within the window, today included (a user seen today was active).
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from fnmatch import fnmatchcase

from radar_health.domain.instants import utc_day
from radar_schemas.common import ContactRole, Priority, Segment


@dataclass(frozen=True, slots=True)
class OpenTicket:
    ticket_id: str
    priority: Priority
    escalated: bool
    opened_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class NpsResponse:
    contact_id: str
    score: int  # 0–10
    at: datetime


@dataclass(frozen=True, slots=True)
class CsatResponse:
    ticket_id: str
    score: int  # 1–5
    at: datetime


@dataclass(frozen=True, slots=True)
class ContactState:
    """The newest `contact.changed` of one contact: present after `joined`, gone after `left`."""

    contact_id: str
    role: ContactRole
    present: bool
    changed_at: datetime


@dataclass(frozen=True)
class AccountSignals:
    """Everything a health score and the health rules need for one account.

    `None` means "no data" (the measure is left out), not zero:
    - `open_tickets`: None when the account never had a ticket; () when none is open.
    - `distinct_active_users`: None when no usage event ever carried a `user_id`.
    """

    account_id: str
    segment: Segment | None = None
    seats: int | None = None
    daily_active_usage: Mapping[date, float] = field(default_factory=dict)
    distinct_active_users: int | None = None
    open_tickets: tuple[OpenTicket, ...] | None = None
    nps_responses: tuple[NpsResponse, ...] = ()
    csat_responses: tuple[CsatResponse, ...] = ()
    last_engagement_at: datetime | None = None
    contacts: tuple[ContactState, ...] = ()
    renewal_date: date | None = None  # nearest subscription end date
    first_seen_at: datetime | None = None  # earliest event time of the account
    late_at: datetime | None = None  # when a late event last arrived (processing time)
    contact_names: Mapping[str, str] = field(default_factory=dict)  # contact id → name

    def person(self, contact_id: str) -> str:
        """A contact as messages name them: by name when known, else by contact id."""
        return self.contact_names.get(contact_id) or contact_id


def is_active_usage_metric(metric: str, patterns: Iterable[str]) -> bool:
    """Whether a usage metric counts as active usage: exact names or patterns like `feature.*`."""
    return any(fnmatchcase(metric, pattern) for pattern in patterns)


def active_usage_by_day(
    totals: Iterable[tuple[date, str, float]], patterns: Iterable[str]
) -> dict[date, float]:
    """Daily active usage from (day, metric, total) rows, keeping only active-usage metrics."""
    wanted = tuple(patterns)
    by_day: dict[date, list[float]] = {}
    for day, metric, total in totals:
        if is_active_usage_metric(metric, wanted):
            by_day.setdefault(day, []).append(total)
    return {day: math.fsum(values) for day, values in by_day.items()}


def distinct_active_users(
    last_seen_by_user: Mapping[str, date], as_of: datetime, window_days: int
) -> int | None:
    """Users last seen within `window_days` days ending today; None if no user was ever seen."""
    if not last_seen_by_user:
        return None
    first_day = utc_day(as_of) - timedelta(days=window_days - 1)
    return sum(1 for day in last_seen_by_user.values() if day >= first_day)


def window_total(daily: Mapping[date, float], end: date, days: int) -> float:
    """Sum of the `days` whole days before `end` (`end` itself excluded)."""
    if len(daily) < days:  # walk the few days with usage rather than every day of the window
        start = end - timedelta(days=days)
        return math.fsum(total for day, total in daily.items() if start <= day < end)
    return math.fsum(daily.get(end - timedelta(days=offset), 0.0) for offset in range(1, days + 1))


# A 10,000-fold rise. Over a near-zero baseline the change is astronomically large (even
# infinite in floats); capping keeps the raw value a finite number in events and storage.
MAX_CHANGE_PERCENT = 1_000_000.0


@dataclass(frozen=True, slots=True)
class UsageComparison:
    """Active usage of the last window against the window of the same length before it."""

    recent: float
    previous: float

    @property
    def change_percent(self) -> float | None:
        """None without a baseline: a change from nothing is not a trend."""
        if self.previous <= 0:
            return None
        return min((self.recent - self.previous) / self.previous * 100, MAX_CHANGE_PERCENT)


def compare_usage_windows(
    daily: Mapping[date, float], as_of: datetime, days: int
) -> UsageComparison:
    """Last `days` whole days vs the `days` before them (e.g. last 30 d vs previous 30 d)."""
    today = utc_day(as_of)
    return UsageComparison(
        recent=window_total(daily, today, days),
        previous=window_total(daily, today - timedelta(days=days), days),
    )


@dataclass(frozen=True, slots=True)
class RecentVsBaseline:
    """Active usage of a short recent window against the mean of the same length before it."""

    recent: float
    baseline_mean: float  # e.g. the weekly mean of the 28 days before the last 7

    @property
    def ratio_percent(self) -> float | None:
        if self.baseline_mean <= 0:
            return None
        return self.recent / self.baseline_mean * 100


def recent_vs_baseline(
    daily: Mapping[date, float], as_of: datetime, recent_days: int, baseline_days: int
) -> RecentVsBaseline:
    """Last `recent_days` vs the per-`recent_days` mean of the `baseline_days` before them."""
    today = utc_day(as_of)
    baseline_total = window_total(daily, today - timedelta(days=recent_days), baseline_days)
    return RecentVsBaseline(
        recent=window_total(daily, today, recent_days),
        baseline_mean=baseline_total * recent_days / baseline_days,
    )


def nearest_renewal(end_dates: Sequence[date], today: date) -> date | None:
    """The next end date from today on; once all have passed, the latest (an overdue term)."""
    upcoming = [d for d in end_dates if d >= today]
    if upcoming:
        return min(upcoming)
    return max(end_dates) if end_dates else None
