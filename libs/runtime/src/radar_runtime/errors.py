"""One error body for every service: `{"error": {"code", "message", "details"}}`.

`details` lists `{"field", "reason"}` pairs where a specific input is at fault. A
client's mistake is a 4xx naming the field; a database that cannot be reached is a 503
with Retry-After; only a fault of ours is a 500, logged with its traceback.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger(__name__)


class ErrorDetail(BaseModel):
    field: str
    reason: str


class ErrorInfo(BaseModel):
    code: str
    message: str
    details: list[ErrorDetail] = []


class ErrorBody(BaseModel):
    """What every 4xx and 5xx answer carries."""

    error: ErrorInfo


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        details: Sequence[Mapping[str, str]] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = [dict(d) for d in details]
        self.headers = dict(headers or {})


def error_body(
    code: str, message: str, details: Sequence[Mapping[str, str]] = ()
) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": [dict(d) for d in details]}}


def error_response(error: ApiError) -> JSONResponse:
    return JSONResponse(
        error_body(error.code, error.message, error.details),
        status_code=error.status,
        headers=error.headers,
    )


_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "too_many_requests",
    503: "unavailable",
}

# What every route may answer besides its own success: documented once, in OpenAPI.
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "No credential, or one that is not valid"},
    403: {"model": ErrorBody, "description": "The credential's role does not allow this"},
    422: {"model": ErrorBody, "description": "A parameter or the body is invalid"},
    503: {"model": ErrorBody, "description": "The database cannot be reached now; retry"},
}


def code_for(status: int) -> str:
    return _CODES.get(status, "error" if status < 500 else "internal")


def validation_details(errors: Sequence[Any]) -> list[dict[str, str]]:
    """FastAPI's validation errors as `{"field", "reason"}`: `query.limit`, `body.until`."""
    details = []
    for error in errors:
        if not isinstance(error, Mapping):
            continue
        field = ".".join(str(part) for part in error.get("loc", ()))
        details.append({"field": field or "body", "reason": str(error.get("msg", "invalid"))})
    return details


def database_unreachable(error: BaseException) -> bool:
    """A connection the database refused or dropped, as opposed to a bad statement."""
    current: BaseException | None = error
    while current is not None:
        if isinstance(current, OSError | TimeoutError | InterfaceError):
            return True
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, OperationalError) or type(current).__name__ in _DRIVER_OUTAGES:
            return True
        current = current.__cause__ or current.__context__
    return False


_DRIVER_OUTAGES = {
    "ConnectionDoesNotExistError",
    "CannotConnectNowError",
    "ConnectionFailureError",
    "TooManyConnectionsError",
    "AdminShutdownError",
}


# FastAPI's words when a body cannot be parsed at all (a form or JSON it cannot decode).
UNREADABLE_BODY = "There was an error parsing the body"


def install_error_handlers(app: FastAPI) -> None:
    async def api_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, ApiError)
        return error_response(error)

    async def invalid_request(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, RequestValidationError)
        details = validation_details(error.errors())
        message = "; ".join(f"{d['field']}: {d['reason']}" for d in details[:3])
        return JSONResponse(
            error_body("invalid_request", message or "invalid request", details), status_code=422
        )

    async def http_error(_: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, StarletteHTTPException)
        detail: Any = error.detail
        if error.status_code == 400 and detail == UNREADABLE_BODY:
            # FastAPI's 400 for a body it cannot read is an invalid body like any other.
            reason = "cannot be read as the declared content type"
            return JSONResponse(
                error_body(
                    "invalid_request", f"body: {reason}", [{"field": "body", "reason": reason}]
                ),
                status_code=422,
            )
        # A list in FastAPI's validation format ({"loc", "msg"}) names fields.
        details = validation_details(detail) if isinstance(detail, list) else []
        message = "; ".join(f"{d['field']}: {d['reason']}" for d in details) or str(detail)
        return JSONResponse(
            error_body(code_for(error.status_code), message, details),
            status_code=error.status_code,
            headers=getattr(error, "headers", None),
        )

    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        if database_unreachable(error):
            log.warning("database unreachable", extra={"path": request.url.path})
            return JSONResponse(
                error_body("unavailable", "the database cannot be reached now; retry later"),
                status_code=503,
                headers={"Retry-After": "5"},
            )
        log.exception("unexpected error", exc_info=error, extra={"path": request.url.path})
        return JSONResponse(
            error_body("internal", "an unexpected error; it has been logged"), status_code=500
        )

    app.add_exception_handler(ApiError, api_error)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class RefuseControlCharacters:
    """A 422 naming the parameter for NUL and other control characters in the path or
    the query: no route means them, and PostgreSQL refuses NUL in text (a 500 else)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            field = _controlled_field(scope)
            if field is not None:
                body = error_body(
                    "invalid_request",
                    f"{field}: must not contain control characters",
                    [{"field": field, "reason": "must not contain control characters"}],
                )
                await JSONResponse(body, status_code=422)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _controlled_field(scope: Scope) -> str | None:
    if _CONTROL.search(scope.get("path", "")):
        return "path"
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        if _CONTROL.search(name) or _CONTROL.search(value):
            return f"query.{_CONTROL.sub('?', name)}"
    return None
