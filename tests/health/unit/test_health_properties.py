"""Properties over generated accounts: bounded scores, order-independence, idempotent alerts."""

import math
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import TypeVar

from health_factories import ACCOUNT, AS_OF, TODAY, card_with, default_card, evaluate, health
from hypothesis import given, settings
from hypothesis import strategies as st

from radar_health.domain.alerts import (
    HEALTH_RULES,
    ActiveAlert,
    Condition,
    apply_changes,
    diff_alerts,
)
from radar_health.domain.scorecard import Measure
from radar_health.domain.scoring import compute_health
from radar_health.domain.signals import (
    AccountSignals,
    ContactState,
    CsatResponse,
    NpsResponse,
    OpenTicket,
)
from radar_health.domain.trend import score_trend
from radar_schemas.common import Severity

instants = st.integers(min_value=-5 * 24, max_value=400 * 24).map(
    lambda hours: AS_OF - timedelta(hours=hours)
)
usage_days = st.dictionaries(
    st.integers(min_value=0, max_value=80).map(lambda n: TODAY - timedelta(days=n)),
    st.floats(min_value=0, max_value=1e6, allow_nan=False),
    max_size=40,
)
tickets = st.builds(
    OpenTicket,
    ticket_id=st.text("abc123", min_size=1, max_size=4),
    priority=st.sampled_from(["low", "normal", "high", "urgent"]),
    escalated=st.booleans(),
    opened_at=st.none() | instants,
)
contacts = st.builds(
    ContactState,
    contact_id=st.text("xyz", min_size=1, max_size=3),
    role=st.sampled_from(["champion", "decision_maker", "exec_sponsor", "user"]),
    present=st.booleans(),
    changed_at=instants,
)
accounts = st.builds(
    AccountSignals,
    account_id=st.just(ACCOUNT),
    segment=st.none() | st.sampled_from(["smb", "mid_market", "enterprise"]),
    seats=st.none() | st.integers(min_value=0, max_value=5000),
    daily_active_usage=usage_days,
    distinct_active_users=st.none() | st.integers(min_value=0, max_value=10000),
    # The projection keeps one row per ticket and per contact.
    open_tickets=st.none()
    | st.lists(tickets, max_size=6, unique_by=lambda t: t.ticket_id).map(tuple),
    nps_responses=st.lists(
        st.builds(NpsResponse, st.text("pq", min_size=1, max_size=2), st.integers(0, 10), instants),
        max_size=6,
    ).map(tuple),
    csat_responses=st.lists(
        st.builds(CsatResponse, st.just("t"), st.integers(1, 5), instants), max_size=6
    ).map(tuple),
    last_engagement_at=st.none() | instants,
    contacts=st.lists(contacts, max_size=5, unique_by=lambda c: c.contact_id).map(tuple),
    renewal_date=st.none() | st.integers(-30, 400).map(lambda n: TODAY + timedelta(days=n)),
    first_seen_at=st.none() | instants,
)
weights = st.fixed_dictionaries(
    {m.value: st.floats(min_value=0, max_value=100, allow_nan=False) for m in Measure}
).filter(lambda w: any(v > 0 for v in w.values()))


@given(accounts)
def test_score_is_within_0_100_and_its_parts_add_up(account: AccountSignals) -> None:
    result = compute_health(account, default_card(), AS_OF)
    assert len(result.components) + len(result.missing) == len(Measure)
    if result.score is None:
        assert result.band is None and result.components == ()
        return
    assert 0.0 <= result.score <= 100.0
    assert result.band == result.bands.band_for(result.score)
    assert math.isclose(sum(c.weight for c in result.components), 100.0, abs_tol=0.05)
    assert all(0.0 <= c.sub_score <= 100.0 for c in result.components)


@settings(max_examples=50)
@given(accounts, weights)
def test_score_stays_within_0_100_for_any_weights(
    account: AccountSignals, chosen: dict[str, float]
) -> None:
    score = compute_health(account, card_with(weights=chosen), AS_OF).score
    assert score is None or 0.0 <= score <= 100.0


Item = TypeVar("Item")


def reordered(account: AccountSignals, seed: st.DataObject) -> AccountSignals:
    def shuffle(items: tuple[Item, ...]) -> tuple[Item, ...]:
        return tuple(seed.draw(st.permutations(items)))

    usage_items: list[tuple[date, float]] = seed.draw(
        st.permutations(list(account.daily_active_usage.items()))
    )
    return replace(
        account,
        daily_active_usage=dict(usage_items),
        open_tickets=None if account.open_tickets is None else shuffle(account.open_tickets),
        nps_responses=shuffle(account.nps_responses),
        csat_responses=shuffle(account.csat_responses),
        contacts=shuffle(account.contacts),
    )


@given(accounts, st.data())
def test_input_order_does_not_change_the_score_or_the_conditions(
    account: AccountSignals, seed: st.DataObject
) -> None:
    shuffled = reordered(account, seed)
    assert compute_health(shuffled, default_card(), AS_OF) == compute_health(
        account, default_card(), AS_OF
    )
    current, previous = health(35.0), health(75.0)
    assert evaluate(shuffled, current, previous) == evaluate(account, current, previous)


@given(st.lists(st.tuples(instants, st.floats(0, 100, allow_nan=False)), max_size=30), st.data())
def test_history_order_does_not_change_the_trend(
    history: list[tuple[datetime, float]], seed: st.DataObject
) -> None:
    shuffled = seed.draw(st.permutations(history))
    assert score_trend(shuffled, AS_OF) == score_trend(history, AS_OF)


conditions = st.builds(
    Condition,
    rule=st.sampled_from(sorted(HEALTH_RULES)),
    severity=st.sampled_from(list(Severity)),
    dedup_key=st.sampled_from(["k1", "k2", "k3", "k4"]),
    account_id=st.just(ACCOUNT),
    title=st.just("t"),
    summary=st.just("s"),
    drivers=st.just(()),
    recommended_actions=st.just(()),
    sustain_only=st.booleans(),
)


@given(st.lists(st.lists(conditions, max_size=5), min_size=1, max_size=6))
def test_alerts_follow_conditions_and_never_repeat(rounds: list[list[Condition]]) -> None:
    active: dict[str, ActiveAlert] = {}
    for held in rounds:
        active = apply_changes(active, diff_alerts(active, held, AS_OF))
        assert diff_alerts(active, held, AS_OF).is_empty  # the same state again: nothing new
        assert set(active) <= {c.dedup_key for c in held}  # nothing open that does not hold
        raising = {c.dedup_key for c in held if not c.sustain_only}
        assert raising <= set(active)  # every raising condition has its alert
