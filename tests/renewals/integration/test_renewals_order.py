"""Any arrival order, with duplicates, gives the same projection (through Kafka and Postgres).

Every example sends the same story (new ids per example, so examples share one running
service) in an order and with duplicates hypothesis picks; the `terms` rows must equal
those of the story sent in its natural order.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from renewals_support import (
    Service,
    account,
    at,
    booking,
    cancellation,
    contact,
    health,
    opportunity,
    running_service,
    subscription,
)
from sqlalchemy import select

from radar_renewals.store.tables import terms
from radar_schemas import Envelope

pytestmark = pytest.mark.integration

TODAY = date(2026, 2, 1)


def story(tag: str) -> list[Envelope]:
    """One account, three subscriptions: corrections, renewals, a cancellation, signals."""
    acct, a, b, c = f"acct-{tag}", f"sub-{tag}-a", f"sub-{tag}-b", f"sub-{tag}-c"
    return [
        account(acct, at(date(2024, 1, 1)), name="Old Name"),
        account(acct, at(date(2025, 6, 1)), name="New Name", segment="mid_market"),
        # a: a term, a corrected end date, two renewals (expansion, then contraction)
        subscription(acct, a, at(date(2024, 1, 2)), start=date(2024, 3, 1), end=date(2025, 3, 1)),
        subscription(
            acct,
            a,
            at(date(2024, 1, 3)),
            start=date(2024, 3, 1),
            end=date(2025, 2, 28),
            arr=100_000,
        ),
        booking(
            acct,
            a,
            at(date(2025, 2, 20)),
            booked=date(2025, 2, 20),
            new_arr=130_000,
            new_end=date(2026, 2, 28),
        ),
        booking(
            acct,
            a,
            at(date(2026, 1, 5)),
            booked=date(2026, 1, 5),
            new_arr=90_000,
            new_end=date(2027, 2, 28),
        ),
        opportunity(
            acct,
            a,
            at(date(2025, 12, 1)),
            stage="Proposal",
            category="pipeline",
            close=date(2026, 2, 28),
        ),
        opportunity(
            acct,
            a,
            at(date(2026, 1, 4)),
            stage="Closed Won",
            category="closed",
            close=date(2026, 2, 28),
        ),
        # b: cancelled during its term
        subscription(acct, b, at(date(2025, 5, 1)), start=date(2025, 5, 1), end=date(2026, 4, 30)),
        cancellation(acct, b, at(date(2026, 1, 20)), effective=date(2026, 4, 30)),
        # c: the CRM moved on to the next term without sending a booking
        subscription(acct, c, at(date(2024, 7, 1)), start=date(2024, 7, 1), end=date(2025, 6, 30)),
        subscription(
            acct, c, at(date(2025, 7, 1)), start=date(2025, 7, 1), end=date(2026, 6, 30), arr=80_000
        ),
        # account signals: the newest health score (with its open escalations) and contact
        # state win
        health(acct, at(date(2026, 1, 11)), score=60.0, band="yellow", open_escalations=1),
        health(
            acct,
            at(date(2026, 1, 30)),
            score=35.0,
            band="red",
            score_30d_ago=70.0,
            open_escalations=3,
        ),
        health(
            acct,
            at(date(2026, 1, 31), hour=8),
            score=55.0,
            band="yellow",
            score_30d_ago=70.0,
            open_escalations=2,
        ),
        health(acct, at(date(2026, 1, 31), hour=7), score=20.0, band="red"),
        contact(acct, at(date(2026, 1, 10)), contact_id="c1", role="champion", change="left"),
        contact(acct, at(date(2026, 1, 12)), contact_id="c2", role="champion", change="joined"),
    ]


def resent(event: Envelope) -> Envelope:
    """The same fact sent again by the source under a new event id."""
    return event.model_copy(update={"event_id": uuid.uuid4()})


async def projection(service: Service, tag: str) -> list[dict[str, Any]]:
    db = service.runtime.db
    assert db is not None
    async with db.sessions() as session:
        rows = await session.execute(
            select(terms)
            .where(terms.c.account_id == f"acct-{tag}")
            .order_by(terms.c.subscription_id, terms.c.start_date)
        )
        found = [dict(row._mapping) for row in rows]
    for row in found:  # ids differ per example (and so the hash over them); nothing else may
        row["subscription_id"] = row["subscription_id"].replace(tag, "T")
        row["account_id"] = row["account_id"].replace(tag, "T")
        del row["content_hash"]
    return found


@pytest.fixture(scope="module")
async def service(kafka_bootstrap: str, database_url: str) -> AsyncIterator[Service]:
    async with running_service(
        kafka_bootstrap, database_url, at(TODAY), batch_max_records=7
    ) as running:
        yield running


@pytest.fixture(scope="module")
async def expected(service: Service) -> list[dict[str, Any]]:
    tag = uuid.uuid4().hex[:8]
    events = story(tag)
    await service.publish(events)
    await service.wait_processed(events)
    found = await projection(service, tag)
    states = [(r["subscription_id"], str(r["start_date"]), r["state"]) for r in found]
    assert states == [
        ("sub-T-a", "2024-03-01", "renewed_on_time"),
        ("sub-T-a", "2025-03-01", "renewed_early"),
        ("sub-T-a", "2026-03-01", "upcoming"),
        ("sub-T-b", "2025-05-01", "churned"),
        ("sub-T-c", "2024-07-01", "renewed_on_time"),
        ("sub-T-c", "2025-07-01", "upcoming"),
    ]
    current = (await service.get(f"/v1/renewals/sub-{tag}-c"))["current"]
    drivers = {d["name"]: d for d in current["drivers"]}
    assert current["health"]["score"] == 55.0  # the day's score computed last
    assert drivers["open_escalations"]["value"] == 2.0  # counted with that score
    assert drivers["open_escalations"]["impact"] == 10.0
    return found


@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_any_order_with_duplicates_gives_the_same_projection(service, expected, data):
    tag = uuid.uuid4().hex[:8]
    events = story(tag)
    copies = data.draw(st.lists(st.sampled_from(events), max_size=8), label="sent twice")
    resends = data.draw(st.lists(st.sampled_from(events), max_size=4), label="resent")
    sent = data.draw(st.permutations([*events, *copies, *(resent(e) for e in resends)]))
    await service.publish(sent)
    await service.wait_processed(sent)
    assert await projection(service, tag) == expected
