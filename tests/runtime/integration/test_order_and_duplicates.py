"""Property: any order and any duplication of one account's events gives the same state."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from radar_runtime.testing.helpers import eventually, publish

from .toy import ToyHandler, expected_state, read_state, renamed, start_toy, usage

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]

_event = st.one_of(
    st.builds(lambda q, m: ("usage", q, m), st.integers(0, 50), st.integers(0, 600)),
    st.builds(
        lambda n, m: ("rename", n, m),
        st.sampled_from(["Acme", "Globex", "Initech"]),
        st.integers(0, 5),
    ),
)


@pytest.fixture(scope="module")
async def toy_runtime(kafka_bootstrap, database_url):
    from .conftest import runtime_settings

    settings = runtime_settings(kafka_bootstrap, database_url)
    runtime = await start_toy(settings, ToyHandler())
    yield runtime
    await runtime.stop()


@hsettings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    specs=st.lists(_event, min_size=1, max_size=25),
    order=st.randoms(use_true_random=False),
    duplicates=st.lists(st.integers(0, 1000), max_size=10),
)
async def test_projection_ignores_order_and_duplicates(
    toy_runtime, kafka_bootstrap, specs, order, duplicates
):
    account = f"acct-{uuid.uuid4().hex[:8]}"
    events = [
        usage(account, a, minute=m) if kind == "usage" else renamed(account, a, minute=m)
        for kind, a, m in specs
    ]
    delivered = events + [events[i % len(events)] for i in duplicates]
    order.shuffle(delivered)
    await publish(kafka_bootstrap, toy_runtime.settings, delivered)

    want = expected_state(events)[account]

    async def applied() -> bool:
        return (await read_state(toy_runtime)).get(account) == want

    await eventually(applied, what=f"{account} projected")


async def test_a_staged_write_as_the_first_statement_joins_the_transaction(settings):
    from radar_runtime.sql import fetch_rows, write_rows

    from .toy import usage_totals

    runtime = await start_toy(settings, ToyHandler())
    try:
        async with runtime.unit_of_work() as uow:
            await write_rows(uow.session, usage_totals, [{"account_id": "first", "total": 2.0}])
        async with runtime.unit_of_work() as uow:
            rows = await fetch_rows(uow.session, "SELECT account_id, total FROM usage_totals")
        assert [tuple(r) for r in rows] == [("first", 2.0)]
    finally:
        await runtime.stop()
