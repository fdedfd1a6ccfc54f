from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st
from renewals_fact_builders import (
    account_facts,
    booking_fact,
    cancellation_fact,
    health_fact,
    moment,
    opportunity_fact,
    subscription_facts,
    term_fact,
)

from radar_renewals.domain.chain import derive_terms, distinct_terms
from radar_renewals.domain.facts import AccountFacts, SubscriptionFacts

START, END = date(2025, 1, 1), date(2025, 12, 31)
NEXT_END = date(2026, 12, 31)


def spans(subscription: SubscriptionFacts, account: AccountFacts | None = None) -> list[tuple]:
    terms = derive_terms(subscription, account or account_facts())
    return [(t.start_date, t.end_date, t.arr) for t in terms]


def test_no_term_until_the_crm_describes_one() -> None:
    only_booking = subscription_facts(bookings=(booking_fact(date(2025, 12, 1), NEXT_END),))
    assert derive_terms(only_booking, account_facts()) == []


def test_a_booking_closes_its_term_and_opens_the_next_at_the_new_arr() -> None:
    facts = subscription_facts(
        terms=(term_fact(START, END),),
        bookings=(booking_fact(date(2025, 12, 1), NEXT_END, new_arr="130000"),),
    )
    first, second = derive_terms(facts, account_facts())
    assert first.booking is not None and first.booking.new_arr == Decimal("130000")
    assert (second.start_date, second.end_date, second.arr) == (
        date(2026, 1, 1),
        NEXT_END,
        Decimal("130000"),
    )
    assert second.booking is None
    assert second.segment == "smb" and second.owner == "dana@example.com"


def test_bookings_chain_by_end_date_whatever_their_order() -> None:
    later = booking_fact(date(2026, 12, 1), date(2027, 12, 31), new_arr="90000")
    first = booking_fact(date(2025, 12, 1), NEXT_END, new_arr="120000")
    facts = subscription_facts(terms=(term_fact(START, END),), bookings=(later, first))
    assert [end for _, end, _ in spans(facts)] == [END, NEXT_END, date(2027, 12, 31)]
    assert [arr for *_, arr in spans(facts)] == [Decimal(100000), Decimal(120000), Decimal(90000)]


def test_a_corrected_booking_for_the_same_end_date_replaces_the_first() -> None:
    first = booking_fact(date(2025, 12, 1), NEXT_END, new_arr="120000", recorded=date(2025, 12, 1))
    fixed = booking_fact(date(2025, 12, 2), NEXT_END, new_arr="125000", recorded=date(2025, 12, 3))
    (term, _) = derive_terms(
        subscription_facts(terms=(term_fact(START, END),), bookings=(fixed, first)), account_facts()
    )
    assert term.booking is not None and term.booking.new_arr == Decimal("125000")


def test_of_two_overlapping_crm_terms_the_newer_wins() -> None:
    old = term_fact(START, END, recorded=date(2024, 12, 1))
    corrected = term_fact(date(2025, 1, 15), date(2026, 1, 14), recorded=date(2024, 12, 2))
    assert [t.start_date for t in distinct_terms([corrected, old])] == [date(2025, 1, 15)]


def test_a_crm_term_inside_a_booked_term_supplies_its_details() -> None:
    facts = subscription_facts(
        terms=(term_fact(START, END), term_fact(date(2026, 1, 1), NEXT_END, arr="140000")),
        bookings=(booking_fact(date(2025, 12, 1), NEXT_END, new_arr="130000"),),
    )
    assert spans(facts)[1] == (date(2026, 1, 1), NEXT_END, Decimal("140000"))


def test_a_later_crm_term_without_a_booking_renews_on_the_end_date() -> None:
    facts = subscription_facts(terms=(term_fact(START, END), term_fact(date(2026, 1, 1), NEXT_END)))
    first, second = derive_terms(facts, account_facts())
    assert first.booking is not None and first.booking.booked_at == END
    assert second.start_date == date(2026, 1, 1)


def test_a_cancellation_churns_its_term_and_stops_the_chain() -> None:
    facts = subscription_facts(
        terms=(term_fact(START, END),),
        bookings=(booking_fact(date(2025, 10, 1), NEXT_END),),
        cancellation=cancellation_fact(date(2025, 11, 30), recorded=date(2025, 11, 1)),
    )
    (term,) = derive_terms(facts, account_facts())
    assert term.cancellation is not None


def test_a_booking_after_the_cancellation_wins_the_customer_back() -> None:
    facts = subscription_facts(
        terms=(term_fact(START, END),),
        bookings=(booking_fact(date(2025, 12, 15), NEXT_END),),
        cancellation=cancellation_fact(date(2025, 11, 30), recorded=date(2025, 11, 1)),
    )
    first, second = derive_terms(facts, account_facts())
    assert first.cancellation is not None and first.booking is not None
    assert second.cancellation is None


def test_a_cancellation_effective_after_the_renewal_belongs_to_the_next_term() -> None:
    facts = subscription_facts(
        terms=(term_fact(START, END),),
        bookings=(booking_fact(date(2025, 12, 1), NEXT_END),),
        cancellation=cancellation_fact(date(2026, 6, 30), recorded=date(2026, 2, 1)),
    )
    first, second = derive_terms(facts, account_facts())
    assert first.cancellation is None
    assert second.cancellation is not None


def test_an_opportunity_belongs_to_the_term_ending_nearest_its_close_date() -> None:
    facts = subscription_facts(
        terms=(term_fact(START, END),),
        bookings=(booking_fact(date(2025, 12, 1), NEXT_END),),
        opportunities=(
            opportunity_fact(date(2025, 12, 20), date(2025, 11, 1), stage="Proposal", opp="o1"),
            opportunity_fact(date(2025, 12, 20), date(2025, 12, 1), stage="Closed Won", opp="o1"),
            opportunity_fact(date(2026, 12, 1), date(2026, 1, 10), stage="Discovery", opp="o2"),
        ),
    )
    first, second = derive_terms(facts, account_facts())
    assert first.opportunity is not None and first.opportunity.stage == "Closed Won"
    assert second.opportunity is not None and second.opportunity.stage == "Discovery"


def test_as_of_a_cutoff_later_facts_are_not_known() -> None:
    facts = subscription_facts(
        terms=(term_fact(START, END),),
        cancellation=cancellation_fact(END, recorded=date(2025, 11, 1)),
        opportunities=(
            opportunity_fact(END, date(2025, 9, 1), stage="Proposal"),
            opportunity_fact(END, date(2025, 10, 15), stage="Closed Lost", category="omitted"),
        ),
    )
    account = account_facts(
        health=(
            health_fact(date(2025, 9, 1), 80, open_escalations=0),
            health_fact(date(2025, 11, 1), 20, open_escalations=2),
        )
    )
    (then,) = derive_terms(facts, account, cutoff=moment(date(2025, 10, 1)))
    assert then.cancellation is None
    assert then.opportunity is not None and then.opportunity.stage == "Proposal"
    assert then.health is not None and then.health.score == 80
    assert then.open_escalations == 0  # as health counted them that day
    (now,) = derive_terms(facts, account)
    assert now.cancellation is not None and now.health is not None and now.health.score == 20
    assert now.open_escalations == 2
    (before,) = derive_terms(facts, account, cutoff=moment(date(2025, 8, 1)))
    assert before.health is None and before.open_escalations is None  # not known yet


def _story() -> tuple[list, list, list]:
    terms = [
        term_fact(START, END, recorded=date(2024, 12, 1)),
        term_fact(START, date(2025, 12, 15), recorded=date(2024, 12, 2)),
        term_fact(date(2027, 1, 1), date(2027, 12, 31), recorded=date(2026, 12, 1)),
    ]
    bookings = [
        booking_fact(date(2025, 12, 1), NEXT_END, new_arr="120000"),
        booking_fact(date(2025, 12, 2), NEXT_END, new_arr="121000"),
        booking_fact(date(2027, 2, 1), date(2028, 1, 31)),
    ]
    opportunities = [
        opportunity_fact(END, date(2025, 11, 1), opp="a"),
        opportunity_fact(END, date(2025, 11, 2), stage="Negotiation", opp="a"),
        opportunity_fact(NEXT_END, date(2026, 3, 1), opp="b"),
    ]
    return terms, bookings, opportunities


@settings(max_examples=200)
@given(data=st.data())
def test_terms_do_not_depend_on_the_order_facts_are_given_in(data: st.DataObject) -> None:
    terms, bookings, opportunities = _story()
    health = [health_fact(date(2025, 11, 1), 40, hour=h, open_escalations=h) for h in (8, 9, 10)]
    natural = derive_terms(
        subscription_facts(
            terms=tuple(terms), bookings=tuple(bookings), opportunities=tuple(opportunities)
        ),
        account_facts(health=tuple(health)),
    )
    shuffled = derive_terms(
        subscription_facts(
            terms=tuple(data.draw(st.permutations(terms))),
            bookings=tuple(data.draw(st.permutations(bookings))),
            opportunities=tuple(data.draw(st.permutations(opportunities))),
        ),
        account_facts(health=tuple(data.draw(st.permutations(health)))),
    )
    assert shuffled == natural
