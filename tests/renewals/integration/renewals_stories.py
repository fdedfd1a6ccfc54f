"""Generated CRM histories for tests that need many terms in every state."""

from __future__ import annotations

import random
from datetime import date, timedelta

from renewals_support import (
    account,
    at,
    booking,
    cancellation,
    health,
    opportunity,
    subscription,
)


def random_story(seed: int, count: int, today: date) -> list:
    """`count` subscriptions over 23 accounts, due from Oct 2025 over 18 months."""
    rng = random.Random(seed)
    events = []
    owners = ["a@example.com", "b@example.com", "c@example.com"]
    for i in range(count):
        acct, sub = f"acct-{i % 23}", f"sub-{i}"
        if i < 23:
            events.append(
                account(
                    acct,
                    at(date(2024, 1, 1)),
                    segment=rng.choice(["smb", "mid_market", "enterprise"]),
                    region=rng.choice(["amer", "emea", "apac"]),
                    owner=rng.choice(owners),
                )
            )
            events.append(
                health(
                    acct,
                    at(today - timedelta(days=1)),
                    score=rng.uniform(5, 95),
                    band="yellow",
                    score_30d_ago=rng.uniform(5, 95),
                    utilisation_percent=rng.uniform(0, 100),
                )
            )
        end = date(2025, 10, 1) + timedelta(days=rng.randrange(0, 540))
        start = end - timedelta(days=364)
        arr = float(rng.randrange(5, 200) * 1000)
        events.append(subscription(acct, sub, at(start), start=start, end=end, arr=arr))
        roll = rng.random()
        if roll < 0.45:
            booked = end + timedelta(days=rng.randrange(-80, 100))
            if booked <= today:
                events.append(
                    booking(
                        acct,
                        sub,
                        at(booked),
                        booked=booked,
                        new_arr=arr * rng.choice([0.8, 1, 1.3]),
                        new_end=end + timedelta(days=365),
                    )
                )
        elif roll < 0.55:
            events.append(cancellation(acct, sub, at(min(end, today)), effective=end))
        if rng.random() < 0.7:
            events.append(
                opportunity(
                    acct,
                    sub,
                    at(min(end, today) - timedelta(days=5)),
                    stage=rng.choice(["Discovery", "Proposal", "Negotiation", "Odd stage"]),
                    category=rng.choice(["pipeline", "best_case", "commit", "omitted", "closed"]),
                    close=end,
                    amount=arr * rng.choice([0.9, 1.0, 1.1]),
                )
            )
    return events
