"""Every service answers errors in one shape, never a 500 for a client's mistake, and a
503 with Retry-After while its database cannot be reached."""

from __future__ import annotations

from typing import Annotated

import httpx
from fastapi import APIRouter, HTTPException, Query
from sqlalchemy import text

from radar_runtime import Runtime, RuntimeSettings, ServiceSpec, SessionDep, build_app
from radar_runtime.local import free_port

from .conftest import runtime_settings
from .toy import toy_migrations

router = APIRouter()


@router.get("/v1/things/{thing_id}")
async def read_thing(
    thing_id: str, session: SessionDep, limit: Annotated[int, Query(ge=1, le=10)] = 5
) -> dict[str, object]:
    if thing_id == "missing":
        raise HTTPException(404, "no such thing")
    value = await session.scalar(text("SELECT 1"))
    return {"thing": thing_id, "limit": limit, "value": value}


async def answers(settings: RuntimeSettings, *paths: str) -> list[httpx.Response]:
    app = build_app(
        ServiceSpec(name="toy", migrations=toy_migrations, routers=[router]), Runtime(settings)
    )
    transport = httpx.ASGITransport(app, raise_app_exceptions=False)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as http,
    ):
        return [await http.get(path) for path in paths]


async def test_client_mistakes_are_4xx_in_one_shape(kafka_bootstrap, database_url):
    settings = runtime_settings(kafka_bootstrap, database_url)
    fine, nul_query, nul_path, bad_limit, missing = await answers(
        settings,
        "/v1/things/a?limit=3",
        "/v1/things/a?owner=%00",
        "/v1/things/a%00b",
        "/v1/things/a?limit=99",
        "/v1/things/missing",
    )
    assert fine.status_code == 200, fine.text
    assert fine.json() == {"thing": "a", "limit": 3, "value": 1}
    assert nul_query.status_code == 422
    assert nul_query.json()["error"]["details"] == [
        {"field": "query.owner", "reason": "must not contain control characters"}
    ]
    assert nul_path.status_code == 422
    assert nul_path.json()["error"]["details"][0]["field"] == "path"
    assert bad_limit.status_code == 422
    [detail] = bad_limit.json()["error"]["details"]
    assert detail["field"] == "query.limit"
    assert bad_limit.json()["error"]["code"] == "invalid_request"
    assert missing.status_code == 404
    assert missing.json() == {
        "error": {"code": "not_found", "message": "no such thing", "details": []}
    }


async def test_reads_answer_503_while_the_database_is_unreachable(kafka_bootstrap):
    nowhere = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/postgres"
    settings = runtime_settings(kafka_bootstrap, nowhere)
    [down] = await answers(settings, "/v1/things/a")
    assert down.status_code == 503
    assert down.headers["retry-after"] == "5"
    assert down.json()["error"]["code"] == "unavailable"
