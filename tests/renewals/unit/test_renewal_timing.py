from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from renewals_factories import END, RULES, booked, days, make_term, rules_with

from radar_renewals.domain.policy import TimingRules
from radar_renewals.domain.terms import (
    ArrChangeKind,
    Cancellation,
    State,
    Timing,
    arr_change,
    classify_booking,
    next_term,
    state_of,
)

TIMING = RULES.timing.for_segment(None)


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (-31, Timing.EARLY),
        (-30, Timing.ON_TIME),
        (0, Timing.ON_TIME),
        (7, Timing.ON_TIME),
        (8, Timing.LATE),
        (90, Timing.LATE),
        (91, Timing.WIN_BACK),
    ],
)
def test_classify_booking_at_each_boundary(offset: int, expected: Timing) -> None:
    assert classify_booking(END + days(offset), END, TIMING) is expected


def test_each_segment_uses_its_own_windows() -> None:
    rules = rules_with(
        {"timing": {"segments": {"enterprise": {"early_before_days": 60, "grace_days": 14}}}}
    )
    enterprise = rules.timing.for_segment("enterprise")
    smb = rules.timing.for_segment("smb")

    assert classify_booking(END - days(45), END, enterprise) is Timing.ON_TIME
    assert classify_booking(END - days(45), END, smb) is Timing.EARLY
    assert classify_booking(END + days(14), END, enterprise) is Timing.ON_TIME
    assert classify_booking(END + days(14), END, smb) is Timing.LATE


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (-121, State.UPCOMING),
        (-120, State.IN_WINDOW),
        (0, State.IN_WINDOW),
        (1, State.OVERDUE),
        (90, State.OVERDUE),
        (91, State.CHURNED),
    ],
)
def test_an_unbooked_term_moves_through_its_states(offset: int, expected: State) -> None:
    assert state_of(make_term(), END + days(offset), TIMING) is expected


def test_a_booking_counts_from_its_date_and_keeps_its_timing() -> None:
    term = booked(make_term(), END + days(20))

    assert state_of(term, END + days(19), TIMING) is State.OVERDUE  # not booked yet that day
    assert state_of(term, END + days(20), TIMING) is State.RENEWED_LATE
    assert state_of(term, END + days(400), TIMING) is State.RENEWED_LATE


@pytest.mark.parametrize(
    ("offset", "expected"),
    [
        (-200, State.RENEWED_EARLY),
        (-30, State.RENEWED_ON_TIME),
        (7, State.RENEWED_ON_TIME),
        (8, State.RENEWED_LATE),
    ],
)
def test_booked_states_follow_the_timing(offset: int, expected: State) -> None:
    term = booked(make_term(), END + days(offset))

    assert state_of(term, END + days(100), TIMING) is expected


def test_a_booking_after_the_tolerance_is_a_win_back_and_the_term_churned() -> None:
    term = booked(make_term(), END + days(120))

    assert state_of(term, END + days(120), TIMING) is State.CHURNED


def test_a_cancellation_churns_the_term_as_soon_as_it_is_known() -> None:
    term = make_term(cancellation=Cancellation(END, "budget cut"))

    assert state_of(term, END - days(60), TIMING) is State.CHURNED


def test_a_booking_after_the_cancellation_date_saves_the_term() -> None:
    cancelled = make_term(cancellation=Cancellation(END, "budget cut"))

    saved = booked(cancelled, END + days(5))
    signed_then_cancelled = booked(cancelled, END - days(10))

    assert state_of(saved, END + days(30), TIMING) is State.RENEWED_ON_TIME
    assert state_of(signed_then_cancelled, END + days(30), TIMING) is State.CHURNED


def test_next_term_starts_the_day_after_the_end_with_the_booked_values() -> None:
    term = booked(make_term(), END + days(40), new_arr="120000")

    following = next_term(term)

    assert following.start_date == END + days(1)  # even though booked late
    assert following.end_date == END + days(365)
    assert following.arr == Decimal("120000")
    assert following.booking is None
    assert following.opportunity is None
    assert following.subscription_id == term.subscription_id


def test_next_term_needs_a_booking() -> None:
    with pytest.raises(ValueError, match="sub-1"):
        next_term(make_term())


@pytest.mark.parametrize(
    ("new_arr", "kind", "delta"),
    [
        ("130000", ArrChangeKind.EXPANSION, Decimal("30000")),
        ("80000", ArrChangeKind.CONTRACTION, Decimal("-20000")),
        ("100000", ArrChangeKind.FLAT, Decimal("0")),
    ],
)
def test_arr_change_classifies_expansion_and_contraction(
    new_arr: str, kind: ArrChangeKind, delta: Decimal
) -> None:
    change = arr_change(booked(make_term(), END, new_arr=new_arr))

    assert change is not None
    assert change.kind is kind
    assert change.delta == delta
    assert arr_change(make_term()) is None


ORDER = [Timing.EARLY, Timing.ON_TIME, Timing.LATE, Timing.WIN_BACK]


@given(
    first=st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 12, 31)),
    gap=st.integers(min_value=0, max_value=400),
    early=st.integers(min_value=0, max_value=120),
    grace=st.integers(min_value=0, max_value=30),
    extra_tolerance=st.integers(min_value=0, max_value=120),
)
def test_classify_is_monotone_in_the_booking_date(
    first: date, gap: int, early: int, grace: int, extra_tolerance: int
) -> None:
    rules = TimingRules(
        early_before_days=early, grace_days=grace, tolerance_days=grace + extra_tolerance
    )
    later = first + timedelta(days=gap)

    earlier_class = classify_booking(first, END, rules)
    later_class = classify_booking(later, END, rules)

    assert ORDER.index(earlier_class) <= ORDER.index(later_class)
