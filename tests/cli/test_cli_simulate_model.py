"""`radar simulate`'s generation: seeded, valid against the contract, inside its window,
and with churn signals that follow the hidden propensity."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from radar_cli.post import encode
from radar_cli.simulate import SimulationConfig, generate
from radar_cli.simulate.accounts import Account, make_account
from radar_schemas import EVENT_ADAPTER, codec
from radar_schemas.topics import RAW_TOPICS, TOPIC_BY_TYPE

END = date(2025, 6, 1)
RAW_TYPES = {t for t, topic in TOPIC_BY_TYPE.items() if topic in RAW_TOPICS}


@pytest.fixture(scope="module")
def population() -> tuple[SimulationConfig, list[Account], list[dict[str, Any]]]:
    """Enough accounts and days (first 30 vs last 30) for the statistics below."""
    config = SimulationConfig(accounts=200, days=60, seed=1, end_date=END)
    accounts = config.accounts_list()
    return config, accounts, list(generate(config, accounts))


def small(seed: int = 1, **changes: Any) -> list[dict[str, Any]]:
    values: dict[str, Any] = {"accounts": 12, "days": 30, "seed": seed, "end_date": END}
    return list(generate(SimulationConfig(**(values | changes))))


def test_the_same_seed_gives_the_same_events() -> None:
    first, again = small(seed=7), small(seed=7)
    assert first == again
    assert len({event["event_id"] for event in first}) == len(first)


def test_another_seed_gives_other_customers_and_ids() -> None:
    one, two = small(seed=1), small(seed=2)
    assert {e["event_id"] for e in one}.isdisjoint(e["event_id"] for e in two)
    names = {e["account_id"]: e["payload"]["name"] for e in one if e["type"] == "account.upserted"}
    others = {e["payload"]["name"] for e in two if e["type"] == "account.upserted"}
    assert set(names.values()) != others


def test_an_account_does_not_depend_on_how_many_are_simulated() -> None:
    window = SimulationConfig(5, 30, 3, END).window
    assert make_account(3, 4, window) == SimulationConfig(50, 30, 3, END).accounts_list()[3]
    few = [e for e in small(seed=3, accounts=5) if e["account_id"].endswith("0004")]
    many = [e for e in small(seed=3, accounts=9) if e["account_id"].endswith("0004")]
    assert few == many


def test_every_event_is_valid_on_the_wire(population: Any) -> None:
    _, _, events = population
    assert {e["type"] for e in events} == RAW_TYPES  # every raw type is exercised
    for event in events:
        EVENT_ADAPTER.validate_json(encode(event))  # as ingest reads it
    for event in events[:: max(len(events) // 500, 1)]:
        model = EVENT_ADAPTER.validate_json(encode(event))
        assert codec.decode(codec.encode(model)) == model


def test_events_stay_inside_the_window_and_come_oldest_first(population: Any) -> None:
    config, _, events = population
    window = config.window
    times = [e["occurred_at"] for e in events]
    assert times == sorted(times)
    first, last = datetime.fromisoformat(times[0]), datetime.fromisoformat(times[-1])
    assert window.start <= first and last < window.end


def test_ending_today_puts_nothing_in_the_future() -> None:
    today = datetime.now(UTC).date()
    events = small(end_date=today, days=3)
    now = datetime.now(UTC)
    start = datetime.combine(today - timedelta(days=3), datetime.min.time(), UTC)
    assert events
    assert all(start <= datetime.fromisoformat(e["occurred_at"]) <= now for e in events)


def test_users_are_counted_up_to_the_seats(population: Any) -> None:
    _, accounts, events = population
    seats = {a.profile.account_id: max(a.profile.seats, a.fate.new_seats) for a in accounts}
    users: defaultdict[str, set[str]] = defaultdict(set)
    weekday: Counter[str] = Counter()  # logins by account
    weekend: Counter[str] = Counter()
    for e in events:
        if e["type"] == "usage.recorded" and e["payload"]["metric"] == "logins":
            if "user_id" in e["payload"]:
                users[e["account_id"]].add(e["payload"]["user_id"])
            day = date.fromisoformat(e["occurred_at"][:10])
            logins = e["payload"]["quantity"]
            (weekday if day.weekday() < 5 else weekend)[e["account_id"]] += logins
    assert all(len(users[account]) <= seats[account] for account in users)
    # Weekly seasonality: a weekday sees several times the logins of a weekend day.
    assert sum(weekday.values()) / 5 > 3 * sum(weekend.values()) / 2


def quintiles(accounts: list[Account]) -> tuple[set[str], set[str]]:
    ranked = sorted(accounts, key=lambda a: a.fate.propensity)
    fifth = len(ranked) // 5
    return (
        {a.profile.account_id for a in ranked[:fifth]},
        {a.profile.account_id for a in ranked[-fifth:]},
    )


def test_high_propensity_accounts_show_the_churn_signals(population: Any) -> None:
    config, accounts, events = population
    low, high = quintiles(accounts)
    start = config.window.start_date
    early: Counter[str] = Counter()
    late: Counter[str] = Counter()
    cancelled: Counter[str] = Counter()
    escalated: Counter[str] = Counter()
    nps: defaultdict[str, list[int]] = defaultdict(list)
    for e in events:
        account, payload = e["account_id"], e["payload"]
        offset = (date.fromisoformat(e["occurred_at"][:10]) - start).days
        if e["type"] == "usage.recorded" and payload["metric"] == "logins":
            if offset < 30:
                early[account] += payload["quantity"]
            elif offset >= config.days - 30:
                late[account] += payload["quantity"]
        elif e["type"] == "subscription.cancelled":
            cancelled[account] += 1
        elif e["type"] == "ticket.closed" and payload["escalated"]:
            escalated[account] += 1
        elif e["type"] == "nps.submitted":
            nps[account].append(payload["score"])

    def usage_ratio(group: set[str]) -> float:
        return statistics.mean(late[a] / early[a] for a in group if early[a])

    def mean_nps(group: set[str]) -> float:
        return statistics.mean(score for a in group for score in nps[a])

    assert usage_ratio(high) < usage_ratio(low) - 0.05
    assert sum(cancelled[a] for a in high) > sum(cancelled[a] for a in low)
    propensity = {a.profile.account_id: a.fate.propensity for a in accounts}
    everyone = statistics.mean(propensity.values())
    assert statistics.mean(propensity[a] for a in cancelled) > 1.2 * everyone
    assert sum(escalated[a] for a in high) > 2 * sum(escalated[a] for a in low)
    assert mean_nps(high) < mean_nps(low) - 1.5
    # Churners are (far) likelier where the propensity is high: it is P(churn).
    churn = {a.profile.account_id: a.fate.churned for a in accounts}
    assert sum(churn[a] for a in high) > 3 * max(sum(churn[a] for a in low), 1)


def test_churners_go_silent_and_lose_champions_before_their_end() -> None:
    config = SimulationConfig(accounts=300, days=30, seed=5, end_date=END)
    accounts = config.accounts_list()
    churners = [a for a in accounts if a.fate.churned]
    renewers = [a for a in accounts if not a.fate.churned]
    for account in churners:
        assert account.fate.silent_from is not None
        assert account.fate.silent_from < account.profile.term_end
        left = account.fate.champion_leaves_on
        assert left is None or left < account.profile.term_end

    def share_losing_champion(group: list[Account]) -> float:
        return sum(a.fate.champion_leaves_on is not None for a in group) / len(group)

    assert share_losing_champion(churners) > 2 * share_losing_champion(renewers)


def test_arr_follows_the_segment() -> None:
    accounts = SimulationConfig(accounts=300, days=30, seed=1, end_date=END).accounts_list()
    arr: defaultdict[str, list[float]] = defaultdict(list)
    for account in accounts:
        arr[account.profile.segment].append(account.profile.arr)
    assert set(arr) == {"smb", "mid_market", "enterprise"}
    assert 5_000 <= statistics.median(arr["smb"]) <= 30_000
    assert 30_000 <= statistics.median(arr["mid_market"]) <= 150_000
    assert 150_000 <= statistics.median(arr["enterprise"]) <= 1_500_000
    assert max(arr["smb"]) < min(arr["enterprise"])
