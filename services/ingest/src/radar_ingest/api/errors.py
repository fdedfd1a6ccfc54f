"""Every error answers the body all services share (`radar_runtime.errors`):
`{"error": {"code", "message", "details": [{"field", "reason"}]}}`; a client's mistake is
always a 4xx, never a 500.

Routes tagged `SDK_TAG` (the Segment-compatible API) also carry `code` and `message` at
the top level: Segment's and RudderStack's SDKs read exactly those two fields, and
RudderStack's retries a 4xx forever when they are missing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from radar_runtime.errors import error_body

from ..domain.errors import ClientError, Details, code_of
from ..store.broker import BrokerUnavailable

log = logging.getLogger(__name__)

SDK_TAG = "segment"


def error_response(
    request: Request,
    status: int,
    code: str,
    message: str,
    details: Details | None = None,
    *,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> JSONResponse:
    content = {**error_body(code, message, details or []), **(extra or {})}
    if SDK_TAG in getattr(request.scope.get("route"), "tags", ()):
        content.update(code=code, message=message)
    return JSONResponse(content, status_code=status, headers=dict(headers or {}))


def install_error_handlers(app: FastAPI, *, retry_after_seconds: int) -> None:
    async def client_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ClientError)
        return error_response(
            request,
            exc.status,
            exc.code,
            exc.message,
            exc.details,
            headers=exc.headers,
            extra=exc.extra,
        )

    async def broker_unavailable(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, BrokerUnavailable)
        return error_response(
            request,
            503,
            "unavailable",
            f"the event store is unavailable: {exc}; retry later with the same body",
            headers={"Retry-After": str(retry_after_seconds)},
            extra=exc.answer,
        )

    async def request_invalid(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        details = [
            {"field": ".".join(str(p) for p in e["loc"]), "reason": str(e["msg"])}
            for e in exc.errors()
        ]
        return error_response(request, 422, "invalid", "invalid request", details)

    async def http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        status = exc.status_code
        return error_response(
            request, status, code_of(status), str(exc.detail), headers=exc.headers
        )

    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error", exc_info=exc)
        return error_response(request, 500, "internal", "internal error")

    app.add_exception_handler(ClientError, client_error)
    app.add_exception_handler(BrokerUnavailable, broker_unavailable)
    app.add_exception_handler(RequestValidationError, request_invalid)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)
