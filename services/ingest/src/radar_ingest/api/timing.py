"""Request duration by route template: a plain ASGI middleware, cheap on the hot path."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Receive, Scope, Send

from ..metrics import REQUEST_SECONDS


class RequestTimer:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            # The router leaves the matched route in the scope; unmatched paths share
            # one label so a scanner cannot grow the series.
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            REQUEST_SECONDS.labels(route).observe(time.perf_counter() - started)
