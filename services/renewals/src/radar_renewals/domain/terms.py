"""One subscription term, how its renewal booking is timed, and the state it is in.

E is the term's end date (the renewal date), B the booking date; the day counts come
from `TimingRules` of the account's segment. End dates are inclusive: the next term
starts the day after E.
"""

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum

from radar_renewals.domain.policy import TimingRules


class Timing(StrEnum):
    EARLY = "early"
    ON_TIME = "on_time"
    LATE = "late"
    # Booked after the tolerance: the term had already churned; this is new business.
    WIN_BACK = "win_back"


class State(StrEnum):
    UPCOMING = "upcoming"
    IN_WINDOW = "in_window"
    OVERDUE = "overdue"
    RENEWED_EARLY = "renewed_early"
    RENEWED_ON_TIME = "renewed_on_time"
    RENEWED_LATE = "renewed_late"
    CHURNED = "churned"


OPEN_STATES = frozenset({State.UPCOMING, State.IN_WINDOW, State.OVERDUE})
RENEWED_STATES = frozenset({State.RENEWED_EARLY, State.RENEWED_ON_TIME, State.RENEWED_LATE})
_RENEWED_BY_TIMING = {
    Timing.EARLY: State.RENEWED_EARLY,
    Timing.ON_TIME: State.RENEWED_ON_TIME,
    Timing.LATE: State.RENEWED_LATE,
}


class ArrChangeKind(StrEnum):
    EXPANSION = "expansion"
    CONTRACTION = "contraction"
    FLAT = "flat"


@dataclass(frozen=True, slots=True)
class Cancellation:
    effective_date: date
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Booking:
    booked_at: date
    new_arr: Decimal
    new_end_date: date


@dataclass(frozen=True, slots=True)
class Opportunity:
    stage: str
    forecast_category: str  # pipeline | best_case | commit | closed | omitted
    close_date: date | None = None
    amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class HealthSnapshot:
    score: float
    band: str  # green | yellow | red
    score_30d_ago: float | None = None
    override_note: str | None = None  # a person's override in force, naming them


@dataclass(frozen=True, slots=True)
class Term:
    """The projection of one subscription term, as the renewals service knows it."""

    subscription_id: str
    account_id: str
    start_date: date
    end_date: date
    arr: Decimal
    seats: int = 0
    plan: str = ""
    currency: str = "USD"
    auto_renew: bool = False
    cancellation: Cancellation | None = None
    booking: Booking | None = None
    opportunity: Opportunity | None = None
    health: HealthSnapshot | None = None
    champion_lost: bool = False
    open_escalations: int | None = None  # from the latest health score; None: not known
    utilisation: float | None = None  # active users / seats, from the health service
    account_name: str | None = None
    segment: str | None = None  # smb | mid_market | enterprise
    region: str | None = None
    owner: str | None = None

    @property
    def display_name(self) -> str:
        return self.account_name or self.account_id


@dataclass(frozen=True, slots=True)
class ArrChange:
    kind: ArrChangeKind
    old_arr: Decimal
    new_arr: Decimal

    @property
    def delta(self) -> Decimal:
        return self.new_arr - self.old_arr


def days_to_renewal(term: Term, today: date) -> int:
    """Days from `today` to the end date; negative once past it."""
    return (term.end_date - today).days


def classify_booking(booked_at: date, term_end: date, rules: TimingRules) -> Timing:
    days_after_end = (booked_at - term_end).days
    if days_after_end < -rules.early_before_days:
        return Timing.EARLY
    if days_after_end <= rules.grace_days:
        return Timing.ON_TIME
    if days_after_end <= rules.tolerance_days:
        return Timing.LATE
    return Timing.WIN_BACK


def known_booking(term: Term, today: date) -> Booking | None:
    """The booking, unless it is dated after `today` (not yet true as of that day)."""
    if term.booking is None or term.booking.booked_at > today:
        return None
    return term.booking


def state_of(term: Term, today: date, rules: TimingRules) -> State:
    """The term's state as of `today`.

    A cancellation counts as soon as it is known, whatever its effective date: the
    customer has said they leave. A booking after the cancellation's effective date
    overrides it (the customer was won back, timed as any booking); a booking on or
    before it does not (the renewal was signed, then cancelled).
    """
    booking = known_booking(term, today)
    cancellation = term.cancellation
    if booking is not None and (
        cancellation is None or booking.booked_at > cancellation.effective_date
    ):
        timing = classify_booking(booking.booked_at, term.end_date, rules)
        return _RENEWED_BY_TIMING.get(timing, State.CHURNED)
    if cancellation is not None:
        return State.CHURNED
    days_left = days_to_renewal(term, today)
    if days_left > rules.window_days:
        return State.UPCOMING
    if days_left >= 0:
        return State.IN_WINDOW
    if -days_left <= rules.tolerance_days:
        return State.OVERDUE
    return State.CHURNED


def next_term(term: Term) -> Term:
    """The term a booking starts: it begins the day after E even if booked late,
    so service periods never leave a gap; account facts carry over, deal facts do not."""
    if term.booking is None:
        raise ValueError(f"subscription {term.subscription_id}: term has no booking")
    return replace(
        term,
        start_date=term.end_date + timedelta(days=1),
        end_date=term.booking.new_end_date,
        arr=term.booking.new_arr,
        cancellation=None,
        booking=None,
        opportunity=None,
    )


def arr_change(term: Term) -> ArrChange | None:
    """Expansion or contraction of a booked renewal against the term's ARR."""
    if term.booking is None:
        return None
    old, new = term.arr, term.booking.new_arr
    if new > old:
        kind = ArrChangeKind.EXPANSION
    elif new < old:
        kind = ArrChangeKind.CONTRACTION
    else:
        kind = ArrChangeKind.FLAT
    return ArrChange(kind, old, new)
