"""An HTTP server answering like a Slack incoming webhook (`ok`): the local stand-in
for Slack. It records every accepted body and can be told to answer 429 with
Retry-After, 500, or to hang. `GET /messages` lists what it accepted, `GET /emails`
what the SMTP catcher beside it got. Listens on loopback only."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from radar_notifier.local.smtp import LOOPBACK, SmtpCatcher, require_loopback


@dataclass(frozen=True)
class Reply:
    """A scripted answer to the next webhook call."""

    status: int = 200
    retry_after: str | None = None
    body: str = "ok"
    hang_seconds: float = 0.0


@dataclass(frozen=True)
class SlackMessage:
    channel: str
    body: dict[str, Any]
    received_at: float


class SlackSink:
    """Records webhook posts at `/services/<channel>`; scripted replies first, else 200 ok."""

    def __init__(self, host: str = LOOPBACK, port: int = 0, catcher: SmtpCatcher | None = None):
        require_loopback(host)
        self.host = host
        self.port = port
        self.messages: list[SlackMessage] = []
        self.calls: list[str] = []
        self._script: deque[Reply] = deque()
        self._catcher = catcher
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Condition()

    def url(self, channel: str) -> str:
        return f"http://{self.host}:{self.port}/services/{channel}"

    def reply(self, *replies: Reply) -> None:
        """Answer the next calls with these, in order."""
        self._script.extend(replies)

    def for_channel(self, channel: str) -> list[SlackMessage]:
        return [m for m in self.messages if m.channel == channel]

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/services/{channel}", self._post)
        app.router.add_get("/messages", self._list_messages)
        app.router.add_get("/emails", self._list_emails)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[SlackMessage]:
        """Wait until at least `count` messages were accepted."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: len(self.messages) >= count)
        return list(self.messages)

    async def _post(self, request: web.Request) -> web.Response:
        channel = request.match_info["channel"]
        self.calls.append(channel)
        reply = self._script.popleft() if self._script else Reply()
        if reply.hang_seconds:
            await asyncio.sleep(reply.hang_seconds)
            return web.Response(status=503, text="hung")
        if reply.status == 200:
            body = await request.json()
            async with self._changed:
                self.messages.append(SlackMessage(channel, body, time.time()))
                self._changed.notify_all()
        headers = {"Retry-After": reply.retry_after} if reply.retry_after else {}
        return web.Response(status=reply.status, text=reply.body, headers=headers)

    async def _list_messages(self, _: web.Request) -> web.Response:
        listed = [{"channel": m.channel, "body": m.body} for m in self.messages]
        return web.json_response(listed)

    async def _list_emails(self, _: web.Request) -> web.Response:
        caught = self._catcher.messages if self._catcher else []
        listed = [
            {
                "from": m.sender,
                "to": list(m.recipients),
                "subject": m.subject,
                "text": m.part("plain"),
            }
            for m in caught
        ]
        return web.json_response(listed)
