"""Fact builders for chain and evaluation unit tests (a unique module name)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from itertools import count
from uuid import UUID

from radar_renewals.domain.facts import (
    AccountFact,
    AccountFacts,
    BookingFact,
    CancellationFact,
    ContactFact,
    HealthFact,
    OpportunityFact,
    SubscriptionFact,
    SubscriptionFacts,
    Version,
)

_ids = count(1)
SUB = "sub-1"
ACCT = "acct-1"


def moment(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def version(day: date, hour: int = 9) -> Version:
    return moment(day, hour), UUID(int=next(_ids))


def term_fact(
    start: date, end: date, arr: str = "100000", recorded: date | None = None
) -> SubscriptionFact:
    return SubscriptionFact(
        SUB, ACCT, start, end, Decimal(arr), 50, "pro", "USD", False, *version(recorded or start)
    )


def booking_fact(
    booked: date, new_end: date, new_arr: str = "100000", recorded: date | None = None
) -> BookingFact:
    return BookingFact(SUB, booked, Decimal(new_arr), new_end, *version(recorded or booked))


def cancellation_fact(effective: date, recorded: date) -> CancellationFact:
    return CancellationFact(SUB, effective, "budget", moment(recorded), *version(recorded))


def opportunity_fact(
    close: date,
    recorded: date,
    stage: str = "Proposal",
    category: str = "pipeline",
    opp: str = "opp-1",
) -> OpportunityFact:
    return OpportunityFact(
        opp, SUB, stage, category, close, Decimal("90000"), moment(recorded), *version(recorded)
    )


def health_fact(
    day: date,
    score: float,
    hour: int = 9,
    utilisation: float | None = None,
    open_escalations: int | None = None,
) -> HealthFact:
    return HealthFact(
        ACCT,
        moment(day, hour),
        score,
        "yellow",
        None,
        utilisation,
        open_escalations,
        None,
        False,
        *version(day, hour),
    )


def contact_fact(day: date, contact: str, role: str, change: str) -> ContactFact:
    return ContactFact(ACCT, contact, role, change, moment(day), *version(day))


def account_facts(*, segment: str = "smb", **histories: object) -> AccountFacts:
    fact = AccountFact(
        ACCT, "Acme", segment, "emea", "dana@example.com", *version(date(2024, 1, 1))
    )
    return AccountFacts(ACCT, fact, **histories)  # type: ignore[arg-type]


def subscription_facts(**facts: object) -> SubscriptionFacts:
    return SubscriptionFacts(SUB, **facts)  # type: ignore[arg-type]
