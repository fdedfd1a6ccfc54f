"""What access control costs a request: the same read route answered without a
credential check, with an API token and with an OpenID Connect token from a real
provider (keys cached), in one run. Limit: the check adds at most 1 ms at p99."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from fastapi import APIRouter

from radar_runtime import Runtime, RuntimeSettings, ServiceSpec, build_app
from radar_runtime.auth.access import Access
from radar_runtime.auth.roles import Role
from radar_runtime.local.oidc import OidcProvider
from radar_runtime.testing.auth import api_token, bearer
from radar_runtime.testing.helpers import eventually

from .bench_runtime import noop_migrations
from .common import bootstrap, database_url, row, tag

REQUESTS = 3000
WARM_UP = 200

router = APIRouter()


@router.get("/v1/ping")
async def ping() -> dict[str, str]:
    return {"pong": "yes"}


async def latencies(*variants: tuple[object, dict[str, str]]) -> list[list[float]]:
    """Seconds per request through each (app, headers) variant (ASGI, in this process: no
    network noise), taken in turn so a GC pause or a busy neighbour hits all alike."""
    async with contextlib.AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app),  # type: ignore[arg-type]
                    base_url="http://b",
                    headers=headers,
                )
            )
            for app, headers in variants
        ]
        times: list[list[float]] = [[] for _ in clients]
        for i in range(WARM_UP + REQUESTS):
            for http, spent in zip(clients, times, strict=True):
                started = time.perf_counter()
                response = await http.get("/v1/ping")
                if i >= WARM_UP:
                    spent.append(time.perf_counter() - started)
                assert response.status_code == 200
        return times


def p99_ms(times: list[float]) -> float:
    ordered = sorted(times)
    return 1000 * ordered[int(0.99 * (len(ordered) - 1))]


async def measure() -> list[dict[str, object]]:
    name = tag()
    with tempfile.TemporaryDirectory(prefix="radar-bench-oidc-") as tmp:
        provider = OidcProvider(Path(tmp) / "provider.log")
        provider.start()
        try:
            provider.set_user(
                "dana", {"name": "Dana", "email": "d@example.com", "groups": ["radar-csms"]}
            )
            id_token = provider.id_token("dana")
            settings = RuntimeSettings(
                kafka_bootstrap_servers=bootstrap(),
                database_url=database_url(),
                service_name=f"bench_{name}",
                db_schema=f"bench_{name}",
                topic_prefix=f"b{name}.",
                auth_schema=f"bench_auth_{name}",
                oidc_issuer=provider.issuer,
            )
            runtime = Runtime(settings)
            open_spec = ServiceSpec(name="bench", migrations=noop_migrations, routers=[router])
            secured_spec = ServiceSpec(
                name="bench",
                migrations=noop_migrations,
                routers=[router],
                access=Access(settings, runtime.clock),
            )
            open_app = build_app(open_spec, Runtime(settings))
            secured_app = build_app(secured_spec, runtime)
            async with secured_app.router.lifespan_context(secured_app):
                await runtime.wait_started()
                token = await api_token(
                    settings, name="bench", role=Role.VIEWER, now=datetime.now(UTC)
                )
                await eventually(_ready(runtime), what="started")
                plain, with_token, with_oidc = await latencies(
                    (open_app, {}), (secured_app, bearer(token)), (secured_app, bearer(id_token))
                )
        finally:
            provider.stop()
    base = p99_ms(plain)
    token_cost, oidc_cost = p99_ms(with_token) - base, p99_ms(with_oidc) - base
    return [
        row("auth: read request, no credential check, p99", base, "ms", "reference"),
        row("auth: the same with an API token, p99", p99_ms(with_token), "ms", "reference"),
        row("auth: the same with an OIDC token, p99", p99_ms(with_oidc), "ms", "reference"),
        row("auth: API token check adds (p99)", token_cost, "ms", "<= 1 ms", token_cost <= 1),
        row("auth: OIDC token check adds (p99)", oidc_cost, "ms", "<= 1 ms", oidc_cost <= 1),
    ]


def _ready(runtime: Runtime):  # type: ignore[no-untyped-def]
    async def check() -> bool:
        return runtime.started.is_set()

    return check


def run() -> list[dict[str, object]]:
    return asyncio.run(measure())
