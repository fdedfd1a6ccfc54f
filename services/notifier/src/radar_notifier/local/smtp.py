"""A real SMTP server (aiosmtpd) that keeps every message it accepts: the local
stand-in for a mail server. It can require STARTTLS and be told to answer a
temporary failure. Listens on loopback only. Given a `journal` file, what it accepted
is kept there and read back at start, so a restart shows the same mailbox."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import email
import email.policy
import ipaddress
import ssl
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from radar_notifier.local.journal import Journal

LOOPBACK = "127.0.0.1"


def require_loopback(host: str) -> None:
    if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"the local sinks listen on loopback only, not {host!r}")


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
    # Called with each message once it is kept, before the server answers: a test can
    # stop the sender at the worst moment (accepted here, not yet known to the sender).
    on_accept: Callable[[CaughtEmail], None] | None = None
    journal: Path | None = None
    _replies: deque[str] = field(default_factory=deque)
    _server: asyncio.Server | None = None
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    def reply(self, *lines: str) -> None:
        """Answer the next DATA commands with these SMTP replies (e.g. "451 4.3.0 busy")."""
        self._replies.extend(lines)

    async def start(self) -> None:
        from aiosmtpd.smtp import SMTP  # the `sinks` extra; only the sinks need it

        require_loopback(self.host)
        if self.journal is not None:
            self.messages.extend(_restored(Journal(self.journal)))
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
        caught = CaughtEmail(envelope.mail_from, tuple(envelope.rcpt_tos), raw, time.time(), tls)
        if self.journal is not None:
            Journal(self.journal).append(_kept(caught))
        async with self._changed:
            self.messages.append(caught)
            self._changed.notify_all()
        if self.on_accept is not None:
            self.on_accept(caught)
        return "250 OK"


def _kept(caught: CaughtEmail) -> dict[str, Any]:
    return {
        "sender": caught.sender,
        "recipients": list(caught.recipients),
        "raw": base64.b64encode(caught.raw).decode(),
        "received_at": caught.received_at,
        "tls": caught.tls,
    }


def _restored(journal: Journal) -> list[CaughtEmail]:
    restored = []
    for entry in journal.entries():
        try:
            raw = base64.b64decode(entry["raw"])
            recipients = tuple(str(r) for r in entry["recipients"])
            caught = CaughtEmail(
                str(entry["sender"]),
                recipients,
                raw,
                float(entry["received_at"]),
                bool(entry["tls"]),
            )
        except (KeyError, TypeError, ValueError):
            continue
        restored.append(caught)
    return restored
