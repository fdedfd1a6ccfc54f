"""A client's mistake, as every answer names it: a 4xx status, a stable code, what went
wrong, and `{"field", "reason"}` details; never a 500."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Details = list[dict[str, str]]

# The code of each status unless a more precise one is given.
CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "internal",
    503: "unavailable",
}


def code_of(status: int) -> str:
    return CODES.get(status, "bad_request" if status < 500 else "internal")


class ClientError(Exception):
    """`extra`: fields the answer carries beside `error`, e.g. a batch's `rejected` items."""

    def __init__(
        self,
        status: int,
        message: str,
        details: Details | None = None,
        *,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code or code_of(status)
        self.message = message
        self.details = details or []
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})
