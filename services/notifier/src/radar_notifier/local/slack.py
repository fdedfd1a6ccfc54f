"""An HTTP server answering like a Slack incoming webhook (`ok`): the local stand-in
for Slack. It records every accepted body and can be told to answer 429 with
Retry-After, 500, or to hang. Listens on loopback only.

`GET /messages` shows what it accepted as a Slack client would (Block Kit laid out,
newest first; `/messages.json` the bodies), `GET /emails` what the SMTP catcher beside
it got (each in its HTML part, the text part a click away). Given a `journal` file,
messages and their updates are kept there and read back at start.

It also plays Slack's part in interactivity: every message gets a `ts` and a
`response_url` (`/actions/<ts>`) that updates the message in place or answers the
clicking user alone, and `click()` presses a button of a message the way Slack
does: a `block_actions` payload, form-encoded, signed with the app's signing secret,
posted to the app's Request URL. With `Interactivity` set, the page's buttons do the
same as one of its demo users."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from radar_notifier.local import pages
from radar_notifier.local.journal import Journal
from radar_notifier.local.smtp import LOOPBACK, SmtpCatcher, require_loopback

# How long a click from the page waits for the app to update the message, so the page
# it returns to shows the update.
UPDATE_WAIT_SECONDS = 5.0


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
    ts: str = ""


@dataclass(frozen=True)
class Ephemeral:
    """An answer to one user, posted to a message's response_url."""

    ts: str
    text: str


@dataclass(frozen=True)
class SlackUser:
    id: str
    name: str = "someone"


@dataclass(frozen=True)
class Interactivity:
    """Where the app takes clicks (its Request URL), the secret Slack signs them with,
    and the Slack users the page's buttons may be pressed as."""

    request_url: str
    signing_secret: str
    users: tuple[SlackUser, ...]


class SlackSink:
    """Records webhook posts at `/services/<channel>`; scripted replies first, else 200 ok."""

    def __init__(
        self,
        host: str = LOOPBACK,
        port: int = 0,
        catcher: SmtpCatcher | None = None,
        *,
        journal: Path | None = None,
        interactivity: Interactivity | None = None,
    ):
        require_loopback(host)
        self.host = host
        self.port = port
        self.interactivity = interactivity
        self._journal = Journal(journal) if journal is not None else None
        self.messages: list[SlackMessage] = []
        self.calls: list[str] = []
        # Every body posted to a response_url, and the answers meant for one user.
        self.responses: list[dict[str, Any]] = []
        self.ephemeral: list[Ephemeral] = []
        self._script: deque[Reply] = deque()
        self._catcher = catcher
        self._runner: web.AppRunner | None = None
        self._changed = asyncio.Condition()

    def url(self, channel: str) -> str:
        return f"http://{self.host}:{self.port}/services/{channel}"

    def response_url(self, message: SlackMessage) -> str:
        return f"http://{self.host}:{self.port}/actions/{message.ts}"

    def reply(self, *replies: Reply) -> None:
        """Answer the next calls with these, in order."""
        self._script.extend(replies)

    def for_channel(self, channel: str) -> list[SlackMessage]:
        return [m for m in self.messages if m.channel == channel]

    def message(self, ts: str) -> SlackMessage:
        """A message as it stands now (updates applied)."""
        return next(m for m in self.messages if m.ts == ts)

    async def start(self) -> None:
        if self._journal is not None:
            self._restore(self._journal)
        app = web.Application(middlewares=[_security_headers])
        app.router.add_post("/services/{channel}", self._post)
        app.router.add_post("/actions/{ts}", self._respond)
        app.router.add_get("/", _to_messages)
        app.router.add_get("/messages", self._messages_page)
        app.router.add_get("/messages.json", self._list_messages)
        app.router.add_get("/messages/{ts}.json", self._one_message)
        app.router.add_post("/messages/{ts}/click", self._page_click)
        app.router.add_get("/emails", self._emails_page)
        app.router.add_get("/emails.json", self._list_emails)
        app.router.add_get("/emails/{number:\\d+}/html", self._email_html)
        app.router.add_get("/emails/{number:\\d+}.eml", self._email_raw)
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

    async def wait_for_responses(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Wait until at least `count` bodies were posted to response_urls."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: len(self.responses) >= count)
        return list(self.responses)

    async def click(
        self,
        message: SlackMessage,
        block_id: str,
        action_id: str,
        *,
        user: SlackUser,
        request_url: str,
        signing_secret: str,
        option: str | None = None,
        timestamp: int | None = None,
    ) -> tuple[int, str]:
        """Press a button (or pick `option` from a menu) of `message` as Slack does;
        the app's answer (status, body). `timestamp` defaults to now."""
        payload = block_actions(
            message, block_id, action_id, user, self.response_url(message), option
        )
        body, headers = signed_form(payload, signing_secret, timestamp or int(time.time()))
        return await post_form(request_url, body, headers)

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
                # Slack's message id: seconds, then a number unique within them.
                ts = f"{int(time.time())}.{len(self.messages) + 1:06d}"
                message = SlackMessage(channel, body, time.time(), ts)
                self._keep(
                    {
                        "op": "post",
                        "channel": channel,
                        "body": body,
                        "ts": ts,
                        "received_at": message.received_at,
                    }
                )
                self.messages.append(message)
                self._changed.notify_all()
        headers = {"Retry-After": reply.retry_after} if reply.retry_after else {}
        return web.Response(status=reply.status, text=reply.body, headers=headers)

    async def _respond(self, request: web.Request) -> web.Response:
        ts = request.match_info["ts"]
        body = await request.json()
        async with self._changed:
            at = next((n for n, m in enumerate(self.messages) if m.ts == ts), None)
            if at is None:
                return web.Response(status=404, text="expired_url")
            if body.get("response_type") == "ephemeral":
                self._keep({"op": "ephemeral", "ts": ts, "text": str(body.get("text", ""))})
                self.ephemeral.append(Ephemeral(ts, str(body.get("text", ""))))
            elif body.get("replace_original"):
                update = {k: body[k] for k in ("text", "blocks") if k in body}
                self._keep({"op": "update", "ts": ts, "body": update})
                self.messages[at] = replace(self.messages[at], body=update)
            self.responses.append(body)
            self._changed.notify_all()
        return web.Response(text="ok")

    def _keep(self, entry: dict[str, Any]) -> None:
        if self._journal is not None:
            self._journal.append(entry)

    def _restore(self, journal: Journal) -> None:
        for entry in journal.entries():
            ts = str(entry.get("ts", ""))
            body = entry.get("body")
            if entry.get("op") == "post" and isinstance(body, dict):
                when = float(entry.get("received_at", 0))
                self.messages.append(SlackMessage(str(entry.get("channel")), body, when, ts))
            elif entry.get("op") == "update" and isinstance(body, dict):
                at = next((n for n, m in enumerate(self.messages) if m.ts == ts), None)
                if at is not None:
                    self.messages[at] = replace(self.messages[at], body=body)
            elif entry.get("op") == "ephemeral":
                self.ephemeral.append(Ephemeral(ts, str(entry.get("text", ""))))

    @property
    def _users(self) -> dict[str, str]:
        users = self.interactivity.users if self.interactivity else ()
        return {u.id: u.name for u in users}

    async def _messages_page(self, _: web.Request) -> web.Response:
        told: dict[str, list[str]] = {}
        for note in self.ephemeral:
            told.setdefault(note.ts, []).append(note.text)
        shown = pages.slack_page(self.messages, told, self._users, self.interactivity is not None)
        return _html(shown)

    async def _list_messages(self, _: web.Request) -> web.Response:
        listed = [
            {"channel": m.channel, "ts": m.ts, "received_at": m.received_at, "body": m.body}
            for m in self.messages
        ]
        return web.json_response(listed)

    async def _one_message(self, request: web.Request) -> web.Response:
        ts = request.match_info["ts"]
        found = next((m for m in self.messages if m.ts == ts), None)
        if found is None:
            raise web.HTTPNotFound(text="no such message")
        return web.json_response({"channel": found.channel, "ts": found.ts, "body": found.body})

    async def _page_click(self, request: web.Request) -> web.Response:
        """A button pressed on the page: sent to the app as Slack sends it, signed, as the
        chosen demo user; back to the page once the app updated the message."""
        _same_origin(request)
        if self.interactivity is None:
            raise web.HTTPNotFound(text="clicks are not set up: no Request URL and secret")
        ts = request.match_info["ts"]
        message = next((m for m in self.messages if m.ts == ts), None)
        if message is None:
            raise web.HTTPNotFound(text="no such message")
        form = await request.post()
        action_id = str(form.get("action_id", ""))
        user = next((u for u in self.interactivity.users if u.id == form.get("user")), None)
        if user is None:
            raise web.HTTPBadRequest(text="pick one of the demo Slack users")
        option = form.get(f"option:{action_id}")
        answered = len(self.responses)
        try:
            status, text = await self.click(
                message,
                str(form.get("block_id", "")),
                action_id,
                user=user,
                request_url=self.interactivity.request_url,
                signing_secret=self.interactivity.signing_secret,
                option=None if option is None else str(option),
            )
        except (KeyError, ValueError):
            raise web.HTTPBadRequest(text="no such button on this message") from None
        except aiohttp.ClientError as error:
            status, text = 502, f"the app could not be reached: {error}"
        if status == 200:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(UPDATE_WAIT_SECONDS), self._changed:
                    await self._changed.wait_for(lambda: len(self.responses) > answered)
        else:
            note = f"the app answered {status}: {text[:300]}"
            async with self._changed:
                self._keep({"op": "ephemeral", "ts": ts, "text": note})
                self.ephemeral.append(Ephemeral(ts, note))
        raise web.HTTPSeeOther(f"/messages#m{ts}")

    @property
    def _emails(self) -> list[Any]:
        return self._catcher.messages if self._catcher else []

    async def _emails_page(self, _: web.Request) -> web.Response:
        return _html(pages.email_page(self._emails))

    def _email(self, request: web.Request) -> Any:
        number = int(request.match_info["number"])
        if not 1 <= number <= len(self._emails):
            raise web.HTTPNotFound(text="no such email")
        return self._emails[number - 1]

    async def _email_html(self, request: web.Request) -> web.Response:
        part = self._email(request).part("html")
        response = web.Response(text=pages.email_html_part(part), content_type="text/html")
        response.headers["Content-Security-Policy"] = pages.EMAIL_PART_POLICY
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        return response

    async def _email_raw(self, request: web.Request) -> web.Response:
        raw = self._email(request).raw
        return web.Response(body=raw, content_type="text/plain", charset="utf-8")

    async def _list_emails(self, _: web.Request) -> web.Response:
        listed = [
            {
                "from": m.sender,
                "to": list(m.recipients),
                "subject": m.subject,
                "received_at": m.received_at,
                "text": m.part("plain"),
                "html": m.part("html"),
            }
            for m in self._emails
        ]
        return web.json_response(listed)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def _security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    response = await handler(request)
    response.headers.update(pages.SECURITY_HEADERS)
    response.headers.setdefault("Content-Security-Policy", pages.PAGE_POLICY)
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


def _same_origin(request: web.Request) -> None:
    """Refuse a click posted from another site's page (a browser says where from)."""
    site = request.headers.get("Sec-Fetch-Site")
    origin = request.headers.get("Origin")
    if site not in (None, "same-origin", "none") or (
        origin is not None and origin != f"{request.scheme}://{request.host}"
    ):
        raise web.HTTPForbidden(text="a click must come from this page")


def _html(text: str) -> web.Response:
    return web.Response(text=text, content_type="text/html")


async def _to_messages(_: web.Request) -> web.Response:
    raise web.HTTPFound("/messages")


def block_actions(
    message: SlackMessage,
    block_id: str,
    action_id: str,
    user: SlackUser,
    response_url: str,
    option: str | None = None,
) -> dict[str, Any]:
    """The interaction payload Slack sends when `user` presses the element `action_id`
    of the actions block `block_id` (picking `option` from a menu)."""
    [block] = [b for b in message.body["blocks"] if b.get("block_id") == block_id]
    [element] = [e for e in block["elements"] if e["action_id"] == action_id]
    pressed: dict[str, Any] = {
        "type": element["type"],
        "action_id": action_id,
        "block_id": block_id,
        "action_ts": f"{time.time():.6f}",
    }
    if element["type"] == "static_select":
        [chosen] = [o for o in element["options"] if o["value"] == option]
        pressed["selected_option"] = chosen
    else:
        pressed["text"] = element["text"]
        pressed["value"] = element.get("value", "")
    return {
        "type": "block_actions",
        "team": {"id": "T0LOCAL", "domain": "radar-local"},
        "user": {"id": user.id, "username": user.name, "name": user.name, "team_id": "T0LOCAL"},
        "api_app_id": "A0LOCAL",
        "container": {
            "type": "message",
            "message_ts": message.ts,
            "channel_id": f"C{message.channel.upper()}",
            "is_ephemeral": False,
        },
        "channel": {"id": f"C{message.channel.upper()}", "name": message.channel},
        "message": {"type": "message", "ts": message.ts, **message.body},
        "response_url": response_url,
        "trigger_id": f"{message.ts}.local",
        "actions": [pressed],
    }


def signed_form(
    payload: dict[str, Any], signing_secret: str, timestamp: int
) -> tuple[bytes, dict[str, str]]:
    """The request body and headers Slack sends: `payload=<json>`, signed `v0`."""
    body = urlencode({"payload": json.dumps(payload)}).encode()
    signature = SignatureVerifier(signing_secret).generate_signature(
        timestamp=str(timestamp), body=body
    )
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": signature or "",
    }
    return body, headers


async def post_form(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers) as answer,
    ):
        return answer.status, await answer.text()
