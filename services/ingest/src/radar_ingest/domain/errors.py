"""A client's mistake, as every answer names it: a 4xx status, what went wrong, and
`{"field", "reason"}` details; never a 500."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Details = list[dict[str, str]]


class ClientError(Exception):
    def __init__(
        self,
        status: int,
        error: str,
        details: Details | None = None,
        *,
        headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.details = details or []
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})
