"""PostgreSQL stopped under the running system: every read API answers 503 with
Retry-After in the one error shape (never 500), and answers again once it is back.

The services run on a PostgreSQL of their own here, so stopping it touches no other test.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest

from radar_runtime.local import free_port
from radar_runtime.local.postgres import LocalPostgres
from radar_runtime.testing.helpers import eventually

from .pipeline import Pipeline, start_pipeline, stop_pipeline
from .scenario import at_risk_account

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(400)]

ACCOUNT = "acct-e2e-pgdown"
READS = [
    ("health", f"/v1/accounts/{ACCOUNT}/health"),
    ("health", f"/v1/accounts/{ACCOUNT}/health/history"),
    ("renewals", "/v1/renewals"),
    ("renewals", f"/v1/renewals/{ACCOUNT}-sub"),
    ("notifier", "/v1/alerts"),
    ("notifier", "/v1/deliveries"),
]


@pytest.fixture
async def stack(kafka_bootstrap, tmp_path):
    postgres = LocalPostgres(tmp_path / "postgres", free_port(), for_tests=True)
    url = await asyncio.to_thread(postgres.start)
    workdir = tmp_path / "work"
    workdir.mkdir()
    pipeline = await start_pipeline(kafka_bootstrap, url, workdir)
    try:
        yield pipeline, postgres
    finally:
        await stop_pipeline(pipeline)
        await asyncio.to_thread(postgres.stop)


async def read(pipeline: Pipeline, service: str, path: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {pipeline.admin_token}"}
    async with httpx.AsyncClient(timeout=30, headers=headers) as http:
        return await http.get(f"{pipeline.url(service)}{path}")


async def test_reads_answer_503_with_retry_after_while_postgres_is_stopped(stack):
    pipeline, postgres = stack
    events = at_risk_account(ACCOUNT)
    assert len(await pipeline.post(events)) == len(events)

    async def all_readable() -> bool:
        answers = [await read(pipeline, s, p) for s, p in READS]
        return all(a.status_code == 200 for a in answers)

    await eventually(all_readable, timeout=120, what="the account readable everywhere")

    await asyncio.to_thread(postgres.stop)
    for service, path in READS:
        answer = await read(pipeline, service, path)
        where = f"{service} {path}: {answer.status_code} {answer.text[:200]}"
        assert answer.status_code == 503, where
        assert int(answer.headers["Retry-After"]) > 0, where
        assert answer.json()["error"]["code"] == "unavailable", where

    await asyncio.to_thread(postgres.start)
    await eventually(all_readable, timeout=120, what="reads again once PostgreSQL is back")
