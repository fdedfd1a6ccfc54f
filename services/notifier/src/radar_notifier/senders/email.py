"""Email through aiosmtplib: multipart text + HTML, STARTTLS when configured.

Connections are kept and reused (a few at a time): a message then costs three
round trips instead of a connect, EHLO, STARTTLS and login each.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
from dataclasses import dataclass
from email.utils import formataddr, formatdate, parseaddr

import aiosmtplib

from radar_notifier.domain.retry import Outcome, classify_smtp_reply
from radar_notifier.senders.base import Outgoing, SendResult


@dataclass(frozen=True)
class SmtpOptions:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    validate_certs: bool = True
    timeout_seconds: float = 10.0
    connections: int = 4


# 42 bytes of UTF-8 make 56 characters of base64: with "Subject: " and the
# encoded-word markers, every line stays within the 78 characters RFC 5322 asks.
_WORD_BYTES = 42


def build_message(message: Outgoing, sender: str) -> bytes:
    """The message as sent (RFC 5322 + MIME): multipart/alternative, plain text first,
    then HTML, both UTF-8 in quoted-printable.

    Written directly rather than through the `email` package, whose header folding
    costs milliseconds a message: too much at hundreds of messages a second. Every
    value is one line (the renderers strip CR/LF from subjects), and a QP body can
    never contain the boundary, which starts with "=_".
    """
    payload = message.payload
    boundary = f"=_radar_{message.idempotency_key}"
    head = [
        f"From: {sender}",
        f"To: {message.recipient}",
        f"Subject: {encode_subject(payload['subject'])}",
        f"Date: {formatdate(localtime=False)}",
        # The same id on every attempt, so a receiver can drop a copy that a lost
        # acknowledgement made us send twice.
        f"Message-ID: <{message.idempotency_key}@renewal-radar>",
        "Auto-Submitted: auto-generated",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/alternative; boundary="{boundary}"',
        "",
    ]
    parts = [_part("plain", payload["text"], boundary), _part("html", payload["html"], boundary)]
    return (
        ("\r\n".join(head) + "\r\n").encode("ascii")
        + b"".join(parts)
        + (f"--{boundary}--\r\n".encode("ascii"))
    )


def encode_subject(subject: str) -> str:
    """ASCII as is; otherwise RFC 2047 base64 encoded words of at most 42 bytes of
    UTF-8 (never splitting a character), folded one word per line."""
    clean = " ".join(subject.split())
    if clean.isascii():
        return clean
    words, chunk = [], b""
    for char in clean:
        encoded = char.encode("utf-8")
        if len(chunk) + len(encoded) > _WORD_BYTES:
            words.append(chunk)
            chunk = b""
        chunk += encoded
    words.append(chunk)
    return "\r\n ".join(f"=?utf-8?b?{base64.b64encode(w).decode('ascii')}?=" for w in words)


def format_sender(sender: str) -> str:
    """`Name <address>` with a non-ASCII name encoded, as the From header wants it."""
    return formataddr(parseaddr(sender), charset="utf-8")


def _part(subtype: str, text: str, boundary: str) -> bytes:
    body = binascii.b2a_qp(text.encode("utf-8"), istext=True).replace(b"\r\n", b"\n")
    head = (
        f"--{boundary}\r\n"
        f'Content-Type: text/{subtype}; charset="utf-8"\r\n'
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    )
    return head.encode("ascii") + body.replace(b"\n", b"\r\n") + b"\r\n"


class EmailSender:
    def __init__(self, options: SmtpOptions) -> None:
        self._options = options
        self._from_header = format_sender(options.sender)
        self._envelope_from = parseaddr(options.sender)[1]
        self._idle: list[aiosmtplib.SMTP] = []
        self._gate = asyncio.Semaphore(options.connections)

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for client in idle:
            with contextlib.suppress(Exception):
                await client.quit()

    async def send(self, message: Outgoing) -> SendResult:
        raw = build_message(message, self._from_header)
        envelope_from = self._envelope_from
        recipients = [message.recipient]
        async with self._gate:
            client = self._idle.pop() if self._idle else None
            try:
                if client is not None:
                    try:
                        await client.sendmail(envelope_from, recipients, raw)
                    except aiosmtplib.SMTPServerDisconnected:
                        # A kept connection the server closed meanwhile: one fresh try.
                        client = None
                if client is None:
                    client = await self._connect()
                    await client.sendmail(envelope_from, recipients, raw)
            except Exception as error:
                if client is not None:
                    client.close()
                return _failure(error)
            self._idle.append(client)
        return SendResult.delivered()

    async def _connect(self) -> aiosmtplib.SMTP:
        o = self._options
        client = aiosmtplib.SMTP(
            hostname=o.host,
            port=o.port,
            username=o.username,
            password=o.password,
            # False means never, not "when offered": STARTTLS happens only when configured.
            start_tls=o.starttls,
            validate_certs=o.validate_certs,
            timeout=o.timeout_seconds,
        )
        await client.connect()
        return client


def _failure(error: Exception) -> SendResult:
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        first = next(iter(error.recipients), None)
        code = first.code if first is not None else 550
        reason = first.message if first is not None else "recipient refused"
        return SendResult(classify_smtp_reply(code), f"smtp refused recipient: {code} {reason}")
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return SendResult(
            classify_smtp_reply(error.code), f"smtp answered {error.code}: {error.message}"
        )
    if isinstance(error, aiosmtplib.SMTPException | OSError | TimeoutError):
        return SendResult(Outcome.RETRY, f"smtp unreachable: {type(error).__name__}: {error}")
    raise error
