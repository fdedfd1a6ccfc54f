"""Every error answers `{"error": <text>, "details": [{"field", "reason"}]}`; a client's
mistake is always a 4xx, never a 500."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..domain.errors import ClientError, Details
from ..store.broker import BrokerUnavailable

log = logging.getLogger(__name__)


def error_response(
    status: int,
    error: str,
    details: Details | None = None,
    *,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> JSONResponse:
    content = {"error": error, "details": details or [], **(extra or {})}
    return JSONResponse(content, status_code=status, headers=dict(headers or {}))


def install_error_handlers(app: FastAPI, *, retry_after_seconds: int) -> None:
    async def client_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ClientError)
        return error_response(
            exc.status, exc.error, exc.details, headers=exc.headers, extra=exc.extra
        )

    async def broker_unavailable(_: Request, exc: Exception) -> JSONResponse:
        return error_response(
            503,
            f"the event store is unavailable, nothing was accepted: {exc}; retry later",
            headers={"Retry-After": str(retry_after_seconds)},
        )

    async def request_invalid(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        details = [
            {"field": ".".join(str(p) for p in e["loc"]), "reason": str(e["msg"])}
            for e in exc.errors()
        ]
        return error_response(422, "invalid request", details)

    async def http_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        return error_response(exc.status_code, str(exc.detail), headers=exc.headers)

    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return error_response(500, "internal error; the event was not accepted")

    app.add_exception_handler(ClientError, client_error)
    app.add_exception_handler(BrokerUnavailable, broker_unavailable)
    app.add_exception_handler(RequestValidationError, request_invalid)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)
