"""The fold: an account's facts at past instants, from its logged events in version order."""

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from radar_health.domain.history import FactLog, Fold, LoggedEvent, term_money
from radar_health.projection.replay import close_of

T = datetime(2026, 3, 1, 0, 0, tzinfo=UTC)  # a close: midnight


def event(event_type: str, days_ago: float, **payload: Any) -> LoggedEvent:
    return LoggedEvent(event_type, T - timedelta(days=days_ago), uuid.uuid4(), payload)


def fold(*events: LoggedEvent, **log: Any) -> Fold:
    ordered = sorted(events, key=lambda e: (e.occurred_at, e.event_id))
    values = {"account_id": "a-1", "first_seen_at": T - timedelta(days=400), "events": ordered}
    return Fold(FactLog(**{**values, **log}), {None: 30, "smb": 7}, usage_days=60)


def subscription(days_ago: float, sub: str = "s-1", **fields: Any) -> LoggedEvent:
    payload = {"subscription_id": sub, "seats": 10, "currency": "EUR", "arr": 1000.0}
    return event(
        "subscription.upserted", days_ago, **{**payload, "end_date": "2026-12-31", **fields}
    )


def test_a_day_closes_at_midnight_utc() -> None:
    assert close_of(date(2026, 2, 28)) == T


def test_tickets_at_each_instant_open_until_closed_and_opened_at_their_first_event() -> None:
    ticket = {"ticket_id": "T-1", "priority": "urgent", "escalated": False}
    history = fold(
        event("ticket.opened", 10, **ticket),
        event("ticket.updated", 5, **{**ticket, "escalated": True}),
        event("ticket.closed", 2, **ticket),
    )
    assert history.facts_at(T - timedelta(days=11)).signals.open_tickets is None  # none yet
    [opened] = history.facts_at(T - timedelta(days=6)).signals.open_tickets or ()
    assert (opened.escalated, opened.opened_at) == (False, T - timedelta(days=10))
    [escalated] = history.facts_at(T - timedelta(days=3)).signals.open_tickets or ()
    assert escalated.escalated and escalated.opened_at == T - timedelta(days=10)
    assert history.facts_at(T).signals.open_tickets == ()


def test_a_contact_keeps_the_name_the_newest_naming_event_gave() -> None:
    joined = {"role": "champion", "change": "joined", "email": "jane@example.com"}
    history = fold(
        event("contact.identified", 30, contact_id="c-1", name="J. Doe"),
        event("contact.changed", 20, contact_id="c-1", name="Jane Doe", **joined),
        event("contact.changed", 3, contact_id="c-1", role="champion", change="left"),
        event("contact.identified", 1, contact_id="c-2", email="sam@example.com"),
    )
    early = history.facts_at(T - timedelta(days=25)).signals
    assert early.contacts == () and early.person("c-1") == "J. Doe"  # named, not listed
    [member] = history.facts_at(T - timedelta(days=10)).signals.contacts
    assert member.present
    end = history.facts_at(T).signals
    [left] = end.contacts
    assert not left.present and left.changed_at == T - timedelta(days=3)
    assert (end.person("c-1"), end.person("c-2")) == ("Jane Doe", "c-2")  # an email only


def test_subscriptions_count_while_active_and_a_later_term_reactivates_them() -> None:
    history = fold(
        subscription(100, seats=20, arr=5000.0),
        event("subscription.cancelled", 50, subscription_id="s-1"),
        event(
            "renewal.booked", 10, subscription_id="s-1", new_arr=6000.0, new_end_date="2027-12-31"
        ),
        event("account.upserted", 30, segment="smb"),
    )
    before = history.facts_at(T - timedelta(days=60))
    assert (before.signals.seats, before.arr, before.currency) == (20, 5000.0, "EUR")
    assert before.signals.renewal_date == date(2026, 12, 31) and before.signals.segment is None
    cancelled = history.facts_at(T - timedelta(days=20))
    assert (cancelled.signals.seats, cancelled.arr) == (None, None)
    assert cancelled.signals.segment == "smb"
    renewed = history.facts_at(T)
    assert (renewed.arr, renewed.signals.renewal_date) == (6000.0, date(2027, 12, 31))


def test_engagement_and_responses_are_those_before_the_instant() -> None:
    history = fold(
        event("engagement.logged", 40, kind="call"),
        event("nps.submitted", 30, contact_id="c-1", score=4),
        event("engagement.logged", 5, kind="qbr"),
        event("csat.submitted", 1, ticket_id="T-1", score=2),
    )
    middle = history.facts_at(T - timedelta(days=20)).signals
    assert middle.last_engagement_at == T - timedelta(days=40)
    assert [r.score for r in middle.nps_responses] == [4] and middle.csat_responses == ()
    end = history.facts_at(T).signals
    assert end.last_engagement_at == T - timedelta(days=5) and len(end.csat_responses) == 1


def test_usage_and_users_count_the_whole_days_before_the_instant() -> None:
    day = T.date()
    history = fold(
        active_usage={day - timedelta(days=1): 5.0, day - timedelta(days=61): 9.0, day: 7.0},
        users={
            day - timedelta(days=40): ["u-old"],
            day - timedelta(days=1): ["u-1", "u-2"],
            day: ["u-3"],  # after midnight: not before the close
        },
    )
    signals = history.facts_at(T).signals
    # Only the days the windows read (60 back), none of the instant's own day.
    assert dict(signals.daily_active_usage) == {day - timedelta(days=1): 5.0}
    assert signals.distinct_active_users == 2  # u-old was last seen 40 days ago
    earlier = fold(users={day - timedelta(days=40): ["u-old"]}).facts_at(T - timedelta(days=35))
    assert earlier.signals.distinct_active_users == 1


@pytest.mark.parametrize(
    ("terms", "expected"),
    [
        ([(1000.0, "EUR"), (500.0, "EUR")], (1500.0, "EUR")),
        ([(1000.0, "EUR"), (500.0, "USD")], (None, None)),  # never added across currencies
        ([(None, "EUR")], (None, None)),
        ([], (None, None)),
    ],
)
def test_the_arr_of_active_terms_is_in_one_currency(terms, expected) -> None:
    assert term_money(terms) == expected
