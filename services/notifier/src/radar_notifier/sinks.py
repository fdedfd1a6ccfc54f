"""Local stand-ins for Slack and an SMTP server, for tests, benchmarks and the demo.

- `SlackSink`: an HTTP server answering like a Slack incoming webhook (`ok`), that
  records every accepted body and can be told to answer 429 with Retry-After, 500,
  or to hang. `GET /messages` lists what it accepted, `GET /emails` what the catcher got.
- `SmtpCatcher`: a real SMTP server (aiosmtpd) that keeps every message; it can
  require STARTTLS and be told to answer a temporary failure.

Both listen on loopback only. Run them standalone with
`python -m radar_notifier.sinks` (needs the `sinks` extra: aiosmtpd).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import email
import email.policy
import ipaddress
import json
import ssl
import time
from collections import deque
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiohttp import web

LOOPBACK = "127.0.0.1"


def _require_loopback(host: str) -> None:
    if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"the local sinks listen on loopback only, not {host!r}")


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


@dataclass
class CaughtEmail:
    sender: str
    recipients: tuple[str, ...]
    raw: bytes
    received_at: float
    # True when the message came over a connection upgraded with STARTTLS.
    tls: bool = False
    _parsed: EmailMessage | None = None

    @property
    def message(self) -> EmailMessage:
        # Parsed on first use: a benchmark pushing thousands through pays only the copy.
        if self._parsed is None:
            parsed = email.message_from_bytes(self.raw, policy=email.policy.default)
            assert isinstance(parsed, EmailMessage)
            self._parsed = parsed
        return self._parsed

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        return "" if body is None else str(body.get_content())  # type: ignore[attr-defined]


class SlackSink:
    """Records webhook posts at `/services/<channel>`; scripted replies first, else 200 ok."""

    def __init__(self, host: str = LOOPBACK, port: int = 0, catcher: SmtpCatcher | None = None):
        _require_loopback(host)
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


@dataclass
class _Handler:
    catcher: SmtpCatcher

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return await self.catcher._accept(envelope, tls=session.ssl is not None)


@dataclass
class SmtpCatcher:
    """An aiosmtpd server in this event loop; `messages` holds what it accepted."""

    host: str = LOOPBACK
    port: int = 0
    tls_context: ssl.SSLContext | None = None
    require_starttls: bool = False
    messages: list[CaughtEmail] = field(default_factory=list)
    _replies: deque[str] = field(default_factory=deque)
    _server: asyncio.Server | None = None
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    def reply(self, *lines: str) -> None:
        """Answer the next DATA commands with these SMTP replies (e.g. "451 4.3.0 busy")."""
        self._replies.extend(lines)

    async def start(self) -> None:
        from aiosmtpd.smtp import SMTP  # the `sinks` extra; only the sinks need it

        _require_loopback(self.host)
        handler = _Handler(self)

        def protocol() -> SMTP:
            return SMTP(
                handler,
                hostname="radar-smtp-catcher",
                tls_context=self.tls_context,
                require_starttls=self.require_starttls,
            )

        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(protocol, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 2)
            self._server = None

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[CaughtEmail]:
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: len(self.messages) >= count)
        return list(self.messages)

    def to(self, address: str) -> list[CaughtEmail]:
        return [m for m in self.messages if address.lower() in (r.lower() for r in m.recipients)]

    async def _accept(self, envelope: Any, *, tls: bool) -> str:
        if self._replies:
            return self._replies.popleft()
        raw = bytes(envelope.content)
        async with self._changed:
            self.messages.append(
                CaughtEmail(envelope.mail_from, tuple(envelope.rcpt_tos), raw, time.time(), tls)
            )
            self._changed.notify_all()
        return "250 OK"


# ------------------------------------------------------------------------------ standalone


async def _serve(host: str, slack_port: int, smtp_port: int) -> None:
    catcher = SmtpCatcher(host=host, port=smtp_port)
    await catcher.start()
    sink = SlackSink(host=host, port=slack_port, catcher=catcher)
    await sink.start()
    base = f"http://{host}:{sink.port}"
    print(
        json.dumps({"slack_sink": base, "smtp_host": host, "smtp_port": catcher.port}),
        flush=True,
    )
    print(f"Slack webhook sink: {base}/services/<channel> (received: {base}/messages)")
    print(f"SMTP catcher:       {host}:{catcher.port} (received: {base}/emails)", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await sink.stop()
        await catcher.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Local Slack webhook sink and SMTP catcher.")
    parser.add_argument("--host", default=LOOPBACK, help="loopback address to listen on")
    parser.add_argument("--slack-port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--smtp-port", type=int, default=0, help="0 picks a free port")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.host, args.slack_port, args.smtp_port))


if __name__ == "__main__":
    main()
