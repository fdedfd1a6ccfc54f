"""The console's pages, server time p95, each beside the API calls it wraps, in one run
over 100,000 accounts and 200,000 subscription terms (one subscription per account,
renewed once), with the services as separate processes (tests/e2e/pipeline.py).

Measured on loopback from this process, so each figure is the server's time plus a
loopback round trip: the page's figure includes the API calls it makes.

RADAR_BENCH_CONSOLE_ACCOUNTS sets another size (e.g. 5000 for a quick check); the
size measured is part of every figure's name.

Alone: `uv run python -m tests.bench console`.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx

from radar_console.domain.renewal_center import window
from radar_runtime import RuntimeSettings
from radar_runtime.auth.roles import Role
from radar_runtime.testing.auth import api_token, bearer
from radar_runtime.testing.helpers import eventually
from radar_schemas import (
    AccountUpserted,
    AccountUpsertedEvent,
    Envelope,
    Person,
    RenewalBooked,
    RenewalBookedEvent,
    SubscriptionUpserted,
    SubscriptionUpsertedEvent,
)
from radar_schemas.topics import CRM

from ..e2e.pipeline import Pipeline, start_pipeline, stop_pipeline
from .common import bootstrap, database_url, produce, row

ACCOUNTS = int(os.environ.get("RADAR_BENCH_CONSOLE_ACCOUNTS", "100000"))
OWNERS = 40
RUNS = 40
P95_TARGET_MS = 200.0


def crm_events(seed: int = 3) -> list[Envelope]:
    """A CRM import made an hour ago: the terms' dates lie in the past and future, the
    events that carry them are recent. (Dated at their terms' dates, health would
    rebuild a year of daily history for every one of the 100,000 accounts.)"""
    rng = random.Random(seed)
    imported = datetime.now(UTC) - timedelta(hours=1)
    events: list[Envelope] = []
    for a in range(ACCOUNTS):
        account_id = f"acct-{a}"
        events.append(
            AccountUpsertedEvent(
                occurred_at=imported,
                account_id=account_id,
                payload=AccountUpserted(
                    name=f"Account {a}",
                    segment=rng.choice(["smb", "mid_market", "enterprise"]),
                    region=rng.choice(["amer", "emea", "apac"]),
                    industry="Software",
                    owner=Person(name=f"CSM {a % OWNERS}", email=f"csm{a % OWNERS}@example.com"),
                ),
            )
        )
        end = date(2026, 1, 1) + timedelta(days=rng.randrange(0, 365))
        arr = float(rng.randrange(5, 300) * 1000)
        events.append(
            SubscriptionUpsertedEvent(
                occurred_at=imported + timedelta(seconds=1),
                account_id=account_id,
                payload=SubscriptionUpserted(
                    subscription_id=f"{account_id}-sub",
                    plan="pro",
                    seats=rng.randrange(5, 500),
                    arr=arr,
                    currency="EUR",
                    start_date=end - timedelta(days=364),
                    end_date=end,
                    auto_renew=False,
                ),
            )
        )
        booked = end - timedelta(days=rng.randrange(1, 30))
        events.append(
            RenewalBookedEvent(
                occurred_at=imported + timedelta(seconds=2),
                account_id=account_id,
                payload=RenewalBooked(
                    subscription_id=f"{account_id}-sub",
                    booked_at=booked,
                    new_arr=arr,
                    new_end_date=end + timedelta(days=365),
                ),
            )
        )
    return events


async def p95_ms(http: httpx.AsyncClient, path: str, **headers: str) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        answer = await http.get(path, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
    return statistics.quantiles(times, n=20)[18]


async def loaded(pipeline: Pipeline) -> None:
    async def all_terms() -> bool:
        # A service busy consuming the load may answer a probe late: not loaded yet.
        try:
            _, terms = await pipeline.get("renewals", "/v1/renewals?limit=1")
            _, last = await pipeline.get("health", f"/v1/accounts/acct-{ACCOUNTS - 1}/health")
        except httpx.TimeoutException:
            return False
        return bool(terms and terms["total"] >= 2 * ACCOUNTS and last and "account_id" in last)

    await eventually(all_terms, timeout=3600, what="accounts and terms loaded")


@asynccontextmanager
async def signed_in_console(pipeline: Pipeline, token: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=pipeline.url("console"), timeout=60) as http:
        page = await http.get("/sign-in")
        pre = page.text.split('name="pre" value="', 1)[1].split('"', 1)[0]
        answer = await http.post("/sign-in/token", data={"token": token, "pre": pre, "next": "/"})
        assert answer.status_code == 303, answer.text
        yield http


async def measure() -> list[dict[str, object]]:
    with tempfile.TemporaryDirectory() as workdir:
        pipeline = await start_pipeline(bootstrap(), database_url(), Path(workdir))
        try:
            return await _measure(pipeline)
        finally:
            await stop_pipeline(pipeline)


async def _measure(pipeline: Pipeline) -> list[dict[str, object]]:
    started = time.monotonic()
    await produce(f"{pipeline.tag}.{CRM}", crm_events())
    await loaded(pipeline)
    load_seconds = time.monotonic() - started
    print(f"   loaded in {load_seconds:.0f} s", flush=True)
    registry = RuntimeSettings(database_url=database_url(), auth_schema=f"{pipeline.tag}_auth")
    now = datetime.now(UTC)
    token = await api_token(
        registry, name="bench-csm", role=Role.CSM, now=now, email="csm7@example.com"
    )
    boss = await api_token(
        registry, name="bench-manager", role=Role.MANAGER, now=now, email="lead@example.com"
    )
    size = f"{ACCOUNTS:,} accounts, {2 * ACCOUNTS:,} terms"
    rows = [row(f"console: load through the pipeline, {size} (setup)", load_seconds, "s")]
    async with (
        signed_in_console(pipeline, token) as csm,
        signed_in_console(pipeline, boss) as manager,
        httpx.AsyncClient(timeout=60) as api,
    ):
        book = await api.get(
            f"{pipeline.url('health')}/v1/accounts",
            params={"owner": "csm7@example.com", "limit": 50},
            headers=bearer(token),
        )
        ids = [item["account_id"] for item in book.json()["items"]]
        for name, person, path in figures(pipeline, ids, now.date()):
            if person == "csm-page":
                value = await p95_ms(csm, path)
            elif person == "manager-page":
                value = await p95_ms(manager, path)
            else:
                credential = token if person == "csm-api" else boss
                value = await p95_ms(api, path, **bearer(credential))
            page = person.endswith("page")
            print(f"   {name:<52} {value:8.1f} ms", flush=True)
            rows.append(
                row(
                    f"console {name.strip()} p95 ({size})",
                    value,
                    "ms",
                    f"≤ {P95_TARGET_MS:.0f} ms" if page else "(wrapped by the page above)",
                    value <= P95_TARGET_MS if page else None,
                )
            )
    return rows


def figures(pipeline: Pipeline, ids: list[str], today: date) -> list[tuple[str, str, str]]:
    """(name, who asks: csm/manager page or API, path): each page, then the API calls it
    makes with the same filters, as the console's clients make them."""
    health, renewals, notifier = (pipeline.url(s) for s in ("health", "renewals", "notifier"))
    accounts = "&".join(f"account={i}" for i in ids)
    one = ids[0]
    quarter = window(today, "quarter")
    due = f"due_from={quarter.start}&due_to={quarter.end}"
    span = f"from={quarter.start}&to={quarter.end}"
    # The leadership page's span: eleven months back, six ahead.
    year_back = f"from={window(today, 'month', -11).start}&to={window(today, 'month', 6).end}"
    return [
        ("page my book (/)", "csm-page", "/"),
        ("page my book sorted by score", "csm-page", "/?sort=score"),
        ("fragment my book (live refresh)", "csm-page", "/fragments/book"),
        (
            "  API health GET /v1/accounts?owner=",
            "csm-api",
            f"{health}/v1/accounts?owner=csm7@example.com&limit=50",
        ),
        (
            "  API renewals GET /v1/renewals?account=x50",
            "csm-api",
            f"{renewals}/v1/renewals?limit=500&{accounts}",
        ),
        (
            "  API notifier GET /v1/alerts?account=x50",
            "csm-api",
            f"{notifier}/v1/alerts?state=raised&limit=500&{accounts}",
        ),
        ("page account (/accounts/{id})", "csm-page", f"/accounts/{one}"),
        ("fragment account (live refresh)", "csm-page", f"/fragments/accounts/{one}"),
        (
            "  API health GET /v1/accounts/{id}/health",
            "csm-api",
            f"{health}/v1/accounts/{one}/health",
        ),
        (
            "  API health GET .../health/history",
            "csm-api",
            f"{health}/v1/accounts/{one}/health/history?days=90&limit=1000",
        ),
        (
            "  API renewals GET /v1/renewals?account=",
            "csm-api",
            f"{renewals}/v1/renewals?account={one}&limit=50",
        ),
        ("  API renewals GET /v1/renewals/{sub}", "csm-api", f"{renewals}/v1/renewals/{one}-sub"),
        (
            "  API notifier GET /v1/alerts?account=",
            "csm-api",
            f"{notifier}/v1/alerts?account={one}&limit=100",
        ),
        ("page alerts inbox (/alerts)", "csm-page", "/alerts"),
        (
            "  API notifier GET /v1/alerts?owner=",
            "csm-api",
            f"{notifier}/v1/alerts?state=raised&owner=csm7@example.com&limit=50",
        ),
        ("page renewal center (/renewals)", "manager-page", "/renewals"),
        (
            "  API renewals GET /v1/renewals?due_from=",
            "manager-api",
            f"{renewals}/v1/renewals?{due}&limit=100&offset=0",
        ),
        (
            "  API renewals GET /v1/forecast (quarter)",
            "manager-api",
            f"{renewals}/v1/forecast?period=quarter&{span}",
        ),
        ("page leadership (/leadership)", "manager-page", "/leadership"),
        ("  API renewals GET /v1/kpis", "manager-api", f"{renewals}/v1/kpis?{year_back}"),
        (
            "  API renewals GET /v1/forecast (months)",
            "manager-api",
            f"{renewals}/v1/forecast?period=month&disagreements=0&{year_back}",
        ),
        (
            "  API renewals GET /v1/forecast (next 12 months)",
            "manager-api",
            f"{renewals}/v1/forecast?period=quarter&disagreements=0",
        ),
    ]


def run() -> list[dict[str, object]]:
    return asyncio.run(measure())
