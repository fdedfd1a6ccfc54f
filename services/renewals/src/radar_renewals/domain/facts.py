"""The CRM and health facts a renewal projection is derived from, and their versions.

Facts are kept as they arrive; a projection is a pure function of the set of facts,
never of their arrival order. When two facts compete for the same place (two edits of
one opportunity), the newer `version` wins: `occurred_at` first, the event id breaking
ties (`radar_runtime.versions`), so even two edits at the same instant resolve the same
way every time.

Account-level facts that change over time (health scores with the open escalations
health counted, contacts, opportunity edits) are kept as histories, so a term can also
be seen "as of" a past moment: the backtest must score a renewal with what was known
before its outcome.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TypeVar
from uuid import UUID

KEY_CONTACT_ROLES = ("champion", "exec_sponsor")

# (occurred_at, event_id), as `radar_runtime.versions` orders events and stores rows.
Version = tuple[datetime, UUID]


class Versioned:
    """A fact with the version of the event it came from: newest wins."""

    __slots__ = ()
    version_at: datetime
    version_id: UUID

    @property
    def version(self) -> Version:
        return (self.version_at, self.version_id)


@dataclass(frozen=True, slots=True)
class SubscriptionFact(Versioned):
    """The CRM's view of one term of a subscription (`subscription.upserted`)."""

    subscription_id: str
    account_id: str
    start_date: date
    end_date: date
    arr: Decimal
    seats: int
    plan: str
    currency: str
    auto_renew: bool
    version_at: datetime
    version_id: UUID


@dataclass(frozen=True, slots=True)
class BookingFact(Versioned):
    subscription_id: str
    booked_at: date
    new_arr: Decimal
    new_end_date: date
    version_at: datetime
    version_id: UUID


@dataclass(frozen=True, slots=True)
class CancellationFact(Versioned):
    subscription_id: str
    effective_date: date
    reason: str
    occurred_at: datetime
    version_at: datetime
    version_id: UUID


@dataclass(frozen=True, slots=True)
class OpportunityFact(Versioned):
    """One edit of a renewal opportunity; every edit is kept (see module doc)."""

    opportunity_id: str
    subscription_id: str
    stage: str
    forecast_category: str
    close_date: date
    amount: Decimal
    occurred_at: datetime
    version_at: datetime
    version_id: UUID


@dataclass(frozen=True, slots=True)
class AccountFact(Versioned):
    account_id: str
    name: str
    segment: str
    region: str
    owner_email: str
    version_at: datetime
    version_id: UUID


@dataclass(frozen=True, slots=True)
class HealthFact(Versioned):
    account_id: str
    as_of: datetime
    score: float
    band: str
    score_30d_ago: float | None
    utilisation: float | None  # active users / seats, 0..1 or above
    open_escalations: int | None  # as the health service counted them; None: not known
    override_note: str | None  # "health overridden to 95 by …, reason: …" while one holds
    provisional: bool  # of a history half arrived: shown, not judged on
    version_at: datetime
    version_id: UUID


@dataclass(frozen=True, slots=True)
class ContactFact(Versioned):
    account_id: str
    contact_id: str
    role: str
    change: str  # joined | left
    occurred_at: datetime
    version_at: datetime
    version_id: UUID


@dataclass(frozen=True, slots=True)
class SubscriptionFacts:
    subscription_id: str
    terms: tuple[SubscriptionFact, ...] = ()
    bookings: tuple[BookingFact, ...] = ()
    cancellation: CancellationFact | None = None
    opportunities: tuple[OpportunityFact, ...] = ()


@dataclass(frozen=True, slots=True)
class AccountFacts:
    account_id: str
    account: AccountFact | None = None
    health: tuple[HealthFact, ...] = ()
    contacts: tuple[ContactFact, ...] = ()


@dataclass
class Facts:
    """The facts of some subscriptions and of their accounts."""

    subscriptions: dict[str, SubscriptionFacts] = field(default_factory=dict)
    accounts: dict[str, AccountFacts] = field(default_factory=dict)

    def account_of(self, subscription: SubscriptionFacts) -> AccountFacts:
        account_id = subscription.terms[0].account_id if subscription.terms else ""
        return self.accounts.get(account_id) or AccountFacts(account_id)


V = TypeVar("V", bound=Versioned)


def newest(facts: Iterable[V]) -> V | None:
    return max(facts, key=lambda fact: fact.version, default=None)


def known_by(occurred_at: datetime, cutoff: datetime | None) -> bool:
    return cutoff is None or occurred_at <= cutoff


def latest_health(facts: Iterable[HealthFact], cutoff: datetime | None) -> HealthFact | None:
    """The most recent score computed at or before `cutoff` (any time when None)."""
    known = [fact for fact in facts if known_by(fact.as_of, cutoff)]
    return max(known, key=lambda fact: (fact.as_of, fact.version), default=None)


def champion_lost(facts: Iterable[ContactFact], cutoff: datetime | None) -> bool:
    """A champion or exec sponsor left and nobody in that role is present now."""
    latest: dict[str, ContactFact] = {}
    for fact in facts:
        if known_by(fact.occurred_at, cutoff):
            current = latest.get(fact.contact_id)
            if current is None or fact.version > current.version:
                latest[fact.contact_id] = fact
    for role in KEY_CONTACT_ROLES:
        holders = [fact for fact in latest.values() if fact.role == role]
        left = any(fact.change == "left" for fact in holders)
        present = any(fact.change == "joined" for fact in holders)
        if left and not present:
            return True
    return False
