"""A service killed with SIGKILL mid-stream and restarted loses and doubles nothing."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from radar_runtime.testing.helpers import eventually

from .pipeline import Pipeline, start_pipeline, stop_pipeline
from .scenario import event

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(400)]

ACCOUNTS = 50
EVENTS = 20_000


@pytest.fixture(scope="module")
async def pipeline(kafka_bootstrap, database_url, tmp_path_factory):
    running = await start_pipeline(kafka_bootstrap, database_url, tmp_path_factory.mktemp("crash"))
    yield running
    await stop_pipeline(running)


def usage_stream() -> list:
    now = datetime.now(UTC)
    return [
        event(
            "usage.recorded",
            f"acct-crash-{i % ACCOUNTS}",
            now - timedelta(minutes=(i * 37) % (20 * 24 * 60)),
            {"metric": "logins", "quantity": float(1 + i % 7), "user_id": f"u{i % 13}"},
        )
        for i in range(EVENTS)
    ]


async def projected_totals(database_url: str, schema: str) -> dict[str, float]:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                text(
                    f'SELECT account_id, sum(total) FROM "{schema}".usage_daily '
                    "WHERE account_id LIKE 'acct-crash-%' GROUP BY account_id"
                )
            )
            return {account: float(total) for account, total in rows}
    finally:
        await engine.dispose()


async def test_health_killed_mid_stream_applies_every_event_once(pipeline: Pipeline, database_url):
    events = usage_stream()
    expected: dict[str, float] = defaultdict(float)
    for e in events:
        expected[e.account_id] += e.payload.quantity

    posting = asyncio.create_task(pipeline.post(events))

    async def some_applied() -> bool:
        try:
            totals = await projected_totals(database_url, pipeline.schema("health"))
        except Exception:  # the table appears with the service's first start
            return False
        return sum(totals.values()) > 0

    await eventually(some_applied, timeout=120, what="health applying events")
    pipeline.processes.kill("health")
    assert len(await posting) == EVENTS  # ingest acknowledged everything meanwhile

    pipeline.processes.start("health")
    await asyncio.to_thread(pipeline.processes.wait_ready, "health")

    async def caught_up() -> bool:
        return await projected_totals(database_url, pipeline.schema("health")) == dict(expected)

    await eventually(caught_up, timeout=180, what="health projection equal to the events")
