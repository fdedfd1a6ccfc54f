"""Who the simulated customers are (`Profile`, what the CRM knows) and what will happen
to them (`Fate`, hidden: the churn propensity and the renewal outcome it leads to). Pure.

Each account draws from its own generator seeded by (seed, account number), so account 7
is the same customer whether 10 or 10,000 are simulated.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from . import roster
from .draws import clamp, days_between, lognormal, weighted
from .roster import Person

RENEWED_EARLY = "renewed_early"
RENEWED_ON_TIME = "renewed_on_time"
RENEWED_LATE = "renewed_late"
CHURNED = "churned"
# The renewals service calls a term churned when it is still unbooked this long after its end.
CHURN_TOLERANCE_DAYS = 90


@dataclass(frozen=True)
class Window:
    """The `days` whole UTC days before `end_date`; every event falls inside it."""

    end_date: date
    days: int

    @property
    def start_date(self) -> date:
        return self.end_date - timedelta(days=self.days)

    @property
    def start(self) -> datetime:
        return datetime.combine(self.start_date, time(), UTC)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.end_date, time(), UTC)


@dataclass(frozen=True)
class Profile:
    index: int
    account_id: str
    name: str
    segment: str
    region: str
    industry: str
    owner: Person
    manager: Person
    subscription_id: str
    plan: str
    currency: str
    seats: int
    arr: float
    term_start: date
    term_end: date
    auto_renew: bool
    api_user: bool
    features: tuple[str, ...]
    contacts: tuple[tuple[str, str], ...]  # (contact_id, role) present at the start

    def contact_id(self, n: int) -> str:
        return f"c-{self.account_id}-{n}"


@dataclass(frozen=True)
class Fate:
    propensity: float  # the probability that this term churns; drives every signal
    outcome: str
    booked_on: date | None
    new_arr: float
    new_seats: int
    cancelled_on: date | None  # the day the customer gave notice (effective at term end)
    base_utilization: float  # share of seats active at the start
    growth: float  # usage trend per year, before any decline
    decline_from: date | None  # usage falls linearly from here to the term end ...
    decline_depth: float  # ... by this share
    silent_from: date | None  # engagement all but stops
    champion_leaves_on: date | None
    champion_replaced_on: date | None
    sponsor_leaves_on: date | None

    @property
    def churned(self) -> bool:
        return self.outcome == CHURNED


@dataclass(frozen=True)
class Account:
    profile: Profile
    fate: Fate

    @property
    def known_on(self) -> date:
        """The day the outcome shows in the events (booking, notice, or tolerance ended)."""
        if self.fate.booked_on is not None:
            return self.fate.booked_on
        if self.fate.cancelled_on is not None:
            return self.fate.cancelled_on
        return self.profile.term_end + timedelta(days=CHURN_TOLERANCE_DAYS + 1)


def make_accounts(seed: int, count: int, window: Window) -> list[Account]:
    return [make_account(seed, index, window) for index in range(1, count + 1)]


def make_account(seed: int, index: int, window: Window) -> Account:
    rng = random.Random(f"radar-simulate/{seed}/{index}")
    profile = _profile(rng, seed, index, window)
    return Account(profile, _fate(rng, profile, window))


def _profile(rng: random.Random, seed: int, index: int, window: Window) -> Profile:
    segment = weighted(rng, roster.SEGMENTS)
    region = weighted(rng, roster.REGIONS)
    industry = rng.choice(list(roster.INDUSTRIES))
    name = f"{rng.choice(roster.NAME_WORDS)} {roster.INDUSTRIES[industry]}"
    csms = roster.CSMS[region]
    owner = csms[0] if segment == "enterprise" else rng.choice(csms)
    arr = round(lognormal(rng, *roster.ARR[segment]), -2)
    seats = max(3, round(arr / rng.uniform(*roster.PRICE_PER_SEAT[segment])))
    # Annual terms ending throughout the year that starts with the window.
    term_end = days_between(
        rng, window.start_date + timedelta(days=15), window.start_date + timedelta(days=365)
    )
    account_id = f"sim{seed}-acct-{index:04d}"
    contacts = [("champion", 1), ("exec_sponsor", 2)]
    if segment != "smb":
        contacts.append(("decision_maker", 3))
    contacts += [("user", 4 + n) for n in range(rng.randint(1, 3))]
    return Profile(
        index=index,
        account_id=account_id,
        name=name + rng.choice(roster.SUFFIXES[region]),
        segment=segment,
        region=region,
        industry=industry,
        owner=owner,
        manager=roster.MANAGERS[region],
        subscription_id=f"sub-{account_id}",
        plan=rng.choice(roster.PLANS[segment]),
        currency=roster.CURRENCY[region],
        seats=seats,
        arr=arr,
        term_start=_year_before(term_end) + timedelta(days=1),
        term_end=term_end,
        auto_renew=rng.random() < roster.AUTO_RENEW[segment],
        api_user=rng.random() < roster.API_USERS[segment],
        features=tuple(sorted(rng.sample(roster.FEATURES, rng.randint(2, 5)))),
        contacts=tuple((f"c-{account_id}-{n}", role) for role, n in contacts),
    )


def _fate(rng: random.Random, profile: Profile, window: Window) -> Fate:
    p = clamp(rng.betavariate(1.3, 5.0) * roster.PROPENSITY_FACTOR[profile.segment], 0.01, 0.95)
    end = profile.term_end
    # Day 0 holds the CRM set-up; outcomes and contact changes come after it.
    first = window.start_date + timedelta(days=1)
    churned = rng.random() < p
    outcome, booked_on, cancelled_on = _outcome(rng, p, churned, profile, first)
    change = 0.0 if churned or rng.random() < 0.3 else rng.gauss(0.07 - 0.3 * p, 0.12)
    change = clamp(change, -0.35, 0.6)
    decline_from, depth, silent_from = None, 0.0, None
    if churned:
        decline_from = end - timedelta(days=rng.randint(60, 160))
        depth = rng.uniform(0.5, 0.9)
        silent_from = end - timedelta(days=rng.randint(50, 110))
    elif rng.random() < p:  # risky renewals wobble too, just less
        decline_from = end - timedelta(days=rng.randint(40, 120))
        depth = rng.uniform(0.1, 0.35)
    leaves = replaced = sponsor_leaves = None
    if churned and rng.random() < 0.6:
        leaves = end - timedelta(days=rng.randint(25, 110))
        if rng.random() < 0.2:
            replaced = leaves + timedelta(days=rng.randint(10, 45))
    elif not churned and rng.random() < 0.25 * p:
        leaves = days_between(rng, first, end + timedelta(days=60))
        if rng.random() < 0.85:
            replaced = leaves + timedelta(days=rng.randint(10, 45))
    if churned and rng.random() < 0.25:
        sponsor_leaves = end - timedelta(days=rng.randint(10, 90))
    return Fate(
        propensity=round(p, 4),
        outcome=outcome,
        booked_on=booked_on,
        new_arr=0.0 if churned else round(profile.arr * (1 + change), -2),
        new_seats=0 if churned else max(1, round(profile.seats * (1 + change))),
        cancelled_on=cancelled_on,
        base_utilization=clamp(rng.gauss(0.78 - 0.3 * p, 0.1), 0.2, 0.98),
        growth=rng.gauss(0.25 - 1.0 * p, 0.1),
        decline_from=decline_from,
        decline_depth=depth,
        silent_from=silent_from,
        # A change before the window cannot be shown: the contact just is not there.
        champion_leaves_on=leaves if leaves is not None and leaves > first else None,
        champion_replaced_on=replaced if leaves is not None and leaves > first else None,
        sponsor_leaves_on=sponsor_leaves if sponsor_leaves and sponsor_leaves > first else None,
    )


def _outcome(
    rng: random.Random, p: float, churned: bool, profile: Profile, first: date
) -> tuple[str, date | None, date | None]:
    """(outcome, booked on, cancelled on), timed like the renewals service classifies them:
    early < E−30 ≤ on time ≤ E+7 < late ≤ E+90."""
    end = profile.term_end
    if churned:
        if rng.random() < 0.7:  # notice given; the rest simply never book
            return CHURNED, None, days_between(rng, max(first, end - timedelta(days=90)), end)
        return CHURNED, None, None
    if profile.auto_renew:
        return RENEWED_ON_TIME, end, None
    draw, late, early = rng.random(), 0.07 + 0.45 * p, 0.35 * (1 - p)
    if draw < late:
        return RENEWED_LATE, end + timedelta(days=rng.randint(8, 75)), None
    last_early = end - timedelta(days=31)
    if draw < late + early and last_early >= first:
        return (
            RENEWED_EARLY,
            days_between(rng, max(first, end - timedelta(days=80)), last_early),
            None,
        )
    start = max(first, end - timedelta(days=30))
    return RENEWED_ON_TIME, days_between(rng, start, end + timedelta(days=7)), None


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def year_after(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)
