"""Every service's /docs works offline: Swagger UI's files come from the service itself,
and a real browser renders the operations with no other host reachable."""

from __future__ import annotations

import asyncio
import re

import httpx
import uvicorn
from fastapi import APIRouter

from radar_runtime import Runtime, ServiceSpec, build_app
from radar_runtime.local import free_port
from radar_runtime.testing.helpers import HEADLESS_CHROMIUM, eventually

from .conftest import runtime_settings
from .toy import toy_migrations

router = APIRouter()


@router.get("/v1/things", summary="List the things")
async def things() -> list[str]:
    return []


async def test_docs_render_from_the_service_alone(
    kafka_bootstrap, database_url, chromium, tmp_path
):
    settings = runtime_settings(kafka_bootstrap, database_url, port=free_port())
    app = build_app(
        ServiceSpec(name="toy", migrations=toy_migrations, routers=[router]), Runtime(settings)
    )
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=settings.port, log_config=None)
    )
    task = asyncio.create_task(server.serve())
    base = f"http://127.0.0.1:{settings.port}"
    try:
        await eventually(lambda: _started(server), timeout=30, what="uvicorn started")
        async with httpx.AsyncClient(base_url=base) as http:
            page = (await http.get("/docs")).text
            assets = re.findall(r'(?:src|href)="([^"]+)"', page)
            assert assets, page
            # Nothing from another host: every asset is the service's own.
            assert all(a.startswith("/docs/assets/") or a.startswith("data:") for a in assets)
            for asset in assets:
                if asset.startswith("/"):
                    assert (await http.get(asset)).status_code == 200, asset
        process = await asyncio.create_subprocess_exec(
            chromium,
            *HEADLESS_CHROMIUM,
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=10000",
            "--dump-dom",
            f"{base}/docs",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        dom, _ = await asyncio.wait_for(process.communicate(), 120)
        rendered = dom.decode(errors="replace")
        assert "List the things" in rendered  # Swagger UI drew the operation
        assert "/v1/things" in rendered
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 30)


async def _started(server: uvicorn.Server) -> bool:
    return bool(server.started)
