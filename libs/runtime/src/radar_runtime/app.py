"""The app factory every service uses: lifespan, /healthz, /readyz, /metrics."""

from __future__ import annotations

import hmac
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypeVar

import uvicorn
from fastapi import Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession

from .auth.access import unauthenticated
from .docs import install_docs
from .errors import ERROR_RESPONSES, RefuseControlCharacters, install_error_handlers
from .logs import configure_logging
from .rules import RuleFileError
from .service import Runtime, ServiceSpec
from .settings import RuntimeSettings


def build_app(
    spec: ServiceSpec,
    runtime: Runtime,
    *,
    parts: object = None,
    title: str | None = None,
    description: str = "",
) -> FastAPI:
    """The service's app: `runtime` starts with it and stops with it; `parts` (the
    service's composition root) is what its routes receive through `parts`."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.start(spec)
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title=title or f"Renewal Radar {spec.name}",
        description=description,
        version="1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    install_docs(app)
    app.state.runtime = runtime
    app.state.parts = parts

    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        """The process is alive."""
        return {"status": "ok", "service": spec.name}

    @app.get("/readyz", tags=["operations"])
    async def readyz() -> JSONResponse:
        """Ready when the database answers, the broker is connected and partitions are assigned."""
        checks = await runtime.readiness()
        ready = all(checks.values())
        return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)

    metrics_token = runtime.settings.metrics_token

    @app.get("/metrics", tags=["operations"], include_in_schema=False)
    async def metrics(request: Request) -> Response:
        if metrics_token is not None and not _bearer_matches(request, metrics_token):
            raise unauthenticated("the metrics token is required", token_given=False)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    install_error_handlers(app)
    app.add_middleware(RefuseControlCharacters)
    if spec.access is None:
        for router in spec.routers:
            app.include_router(router, responses=ERROR_RESPONSES)
        return app
    from .auth.http import RequestIds, caller, read_audit, read_me

    app.state.access = spec.access
    secured = [Depends(caller)]
    for router in spec.routers:
        app.include_router(router, dependencies=secured, responses=ERROR_RESPONSES)
    app.add_api_route(
        "/v1/audit",
        read_audit,
        methods=["GET"],
        tags=["audit"],
        dependencies=secured,
        responses=ERROR_RESPONSES,
    )
    app.add_api_route("/v1/me", read_me, methods=["GET"], tags=["auth"], responses=ERROR_RESPONSES)
    app.add_middleware(RequestIds)
    return app


def _bearer_matches(request: Request, secret: SecretStr) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    expected = secret.get_secret_value()
    return scheme.lower() == "bearer" and hmac.compare_digest(given.encode(), expected.encode())


async def parts(request: Request) -> Any:
    """The service's parts, for routes: `Annotated[HealthParts, Depends(parts)]`.
    async: FastAPI would run a sync dependency in a thread pool on every request."""
    return request.app.state.parts


async def get_runtime(request: Request) -> Runtime:
    # async: FastAPI would run a sync dependency in a thread pool on every request.
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    """A read session for API routes; commands use `runtime.unit_of_work()`."""
    if runtime.db is None:
        raise RuntimeError("this service has no database")
    async with runtime.db.sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


S = TypeVar("S", bound=RuntimeSettings)


def run(create_app: Callable[[S], FastAPI], settings: S) -> None:
    """A service's entry point: build its app, refusing to start on an invalid rule
    file (exit status 2, the file, key and reason on stderr), then serve it."""
    try:
        app = create_app(settings)
    except RuleFileError as error:
        print(f"radar-{settings.service_name}: invalid rule file\n{error}", file=sys.stderr)
        raise SystemExit(2) from None
    serve(app, settings)


def serve(app: FastAPI, settings: RuntimeSettings) -> None:
    """Run one service process; JSON logs, no uvicorn access log noise."""
    configure_logging(settings.service_name, settings.log_level)
    uvicorn.run(app, host=settings.host, port=settings.port, log_config=None, access_log=False)
