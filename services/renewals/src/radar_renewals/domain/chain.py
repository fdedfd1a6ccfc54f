"""A subscription's terms, derived from its facts alone (so arrival order never matters).

1. Terms the CRM described (`subscription.upserted`, one per start date): where two
   overlap, the newer version wins, so a corrected start or end date replaces the old.
2. Chain from the earliest: the booking with the smallest `new_end_date` after a term's
   end renews that term and opens the next one (the day after its end, ending
   `new_end_date`, at `new_arr`). A CRM term starting inside that next term supplies its
   details (plan, seats, ARR, end date). A later CRM term with no booking before it
   counts as renewed on the end date (the CRM moved on without sending a booking).
3. A cancellation belongs to the last term started on or before its effective date. A
   booking after the effective date overrides it (won back); otherwise the term churns
   and the chain stops there.
4. Each opportunity (its newest edit) belongs to the term whose end date is nearest its
   close date; a term shows the newest of its opportunities.
5. Account facts (name, segment, owner, health and its open escalations, contacts) are
   copied onto every term, as known at `cutoff` (everything known when None).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from radar_renewals.domain.facts import (
    AccountFacts,
    BookingFact,
    OpportunityFact,
    SubscriptionFact,
    SubscriptionFacts,
    champion_lost,
    known_by,
    latest_health,
)
from radar_renewals.domain.terms import (
    Booking,
    Cancellation,
    HealthSnapshot,
    Opportunity,
    Term,
)


@dataclass(slots=True)
class _Span:
    """A term while the chain is worked out; each becomes one `Term` at the end."""

    fact: SubscriptionFact  # plan, seats, currency, auto-renew (the CRM's, or carried over)
    start: date
    end: date
    arr: Decimal
    booking: Booking | None = None
    cancellation: Cancellation | None = None
    opportunity: Opportunity | None = None


def derive_terms(
    subscription: SubscriptionFacts, account: AccountFacts, *, cutoff: datetime | None = None
) -> list[Term]:
    """The subscription's terms in date order; empty until a CRM term is known."""
    described = distinct_terms(subscription.terms)
    if not described:
        return []
    spans = _chain(described, _one_booking_per_end(subscription.bookings))
    spans = _with_cancellation(spans, subscription, cutoff)
    _assign_opportunities(spans, subscription.opportunities, cutoff)
    context = account_context(account, cutoff)
    return [
        Term(
            subscription_id=span.fact.subscription_id,
            account_id=span.fact.account_id,
            start_date=span.start,
            end_date=span.end,
            arr=span.arr,
            seats=span.fact.seats,
            plan=span.fact.plan,
            currency=span.fact.currency,
            auto_renew=span.fact.auto_renew,
            cancellation=span.cancellation,
            booking=span.booking,
            opportunity=span.opportunity,
            **context,
        )
        for span in spans
    ]


def distinct_terms(facts: Iterable[SubscriptionFact]) -> list[SubscriptionFact]:
    """Non-overlapping CRM terms by start date; of two overlapping, the newer wins."""
    accepted: list[SubscriptionFact] = []
    for fact in sorted(facts, key=lambda f: f.version, reverse=True):
        if all(_apart(fact, kept) for kept in accepted):
            accepted.append(fact)
    return sorted(accepted, key=lambda f: f.start_date)


def _apart(one: SubscriptionFact, other: SubscriptionFact) -> bool:
    return one.end_date < other.start_date or one.start_date > other.end_date


def account_context(account: AccountFacts, cutoff: datetime | None) -> dict[str, Any]:
    """The Term fields that come from the account rather than the subscription."""
    health = latest_health(account.health, cutoff)
    fact = account.account
    return {
        "account_name": fact.name if fact else None,
        "segment": fact.segment if fact else None,
        "region": fact.region if fact else None,
        "owner": fact.owner_email if fact else None,
        "health": (
            HealthSnapshot(health.score, health.band, health.score_30d_ago, health.override_note)
            if health
            else None
        ),
        "utilisation": health.utilisation if health else None,
        "champion_lost": champion_lost(account.contacts, cutoff),
        "open_escalations": health.open_escalations if health else None,
    }


def _one_booking_per_end(bookings: Iterable[BookingFact]) -> list[BookingFact]:
    newest: dict[Any, BookingFact] = {}
    for booking in bookings:
        current = newest.get(booking.new_end_date)
        if current is None or booking.version > current.version:
            newest[booking.new_end_date] = booking
    return sorted(newest.values(), key=lambda b: b.new_end_date)


def _span_of(fact: SubscriptionFact) -> _Span:
    return _Span(fact, fact.start_date, fact.end_date, fact.arr)


def _chain(described: Sequence[SubscriptionFact], bookings: Sequence[BookingFact]) -> list[_Span]:
    span = _span_of(described[0])
    chain: list[_Span] = []
    while True:
        later = [fact for fact in described if fact.start_date > span.end]
        booking = next((b for b in bookings if b.new_end_date > span.end), None)
        chain.append(span)
        if booking is not None:
            span.booking = Booking(booking.booked_at, booking.new_arr, booking.new_end_date)
            # The next term starts the day after the end even when booked late, so
            # service periods leave no gap; account facts carry over, deal facts do not.
            start = span.end + timedelta(days=1)
            inside = next((f for f in later if f.start_date <= booking.new_end_date), None)
            if inside is not None:
                span = _Span(inside, start, inside.end_date, inside.arr)
            else:
                span = _Span(span.fact, start, booking.new_end_date, booking.new_arr)
        elif later:
            # The CRM shows the next term without a booking: renewed on the end date.
            following = later[0]
            span.booking = Booking(span.end, following.arr, following.end_date)
            span = _span_of(following)
        else:
            return chain


def _with_cancellation(
    chain: list[_Span], subscription: SubscriptionFacts, cutoff: datetime | None
) -> list[_Span]:
    fact = subscription.cancellation
    if fact is None or not known_by(fact.occurred_at, cutoff):
        return chain
    started = [i for i, span in enumerate(chain) if span.start <= fact.effective_date]
    index = started[-1] if started else 0
    span = chain[index]
    span.cancellation = Cancellation(fact.effective_date, fact.reason)
    won_back = span.booking is not None and span.booking.booked_at > fact.effective_date
    return chain if won_back else chain[: index + 1]


def _assign_opportunities(
    chain: list[_Span], opportunities: Iterable[OpportunityFact], cutoff: datetime | None
) -> None:
    newest_edit: dict[str, OpportunityFact] = {}
    for edit in opportunities:
        if not known_by(edit.occurred_at, cutoff):
            continue
        current = newest_edit.get(edit.opportunity_id)
        if current is None or edit.version > current.version:
            newest_edit[edit.opportunity_id] = edit
    chosen: dict[int, OpportunityFact] = {}
    for edit in newest_edit.values():
        index = min(
            range(len(chain)),
            key=lambda i: (abs((chain[i].end - edit.close_date).days), chain[i].end),
        )
        current = chosen.get(index)
        if current is None or edit.version > current.version:
            chosen[index] = edit
    for index, edit in chosen.items():
        chain[index].opportunity = Opportunity(
            edit.stage, edit.forecast_category, edit.close_date, edit.amount
        )
