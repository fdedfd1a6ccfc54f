"""An HTTP server answering like a Slack incoming webhook (`ok`): the local stand-in
for Slack. It records every accepted body and can be told to answer 429 with
Retry-After, 500, or to hang. `GET /messages` lists what it accepted, `GET /emails`
what the SMTP catcher beside it got. Listens on loopback only.

It also plays Slack's part in interactivity: every message gets a `ts` and a
`response_url` (`/actions/<ts>`) that updates the message in place or answers the
clicking user alone, and `click()` presses a button of a message the way Slack
does: a `block_actions` payload, form-encoded, signed with the app's signing secret,
posted to the app's Request URL."""

from __future__ import annotations

import asyncio
import json
import time
from collections import deque
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from slack_sdk.signature import SignatureVerifier

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


class SlackSink:
    """Records webhook posts at `/services/<channel>`; scripted replies first, else 200 ok."""

    def __init__(self, host: str = LOOPBACK, port: int = 0, catcher: SmtpCatcher | None = None):
        require_loopback(host)
        self.host = host
        self.port = port
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
        app = web.Application()
        app.router.add_post("/services/{channel}", self._post)
        app.router.add_post("/actions/{ts}", self._respond)
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
                self.messages.append(SlackMessage(channel, body, time.time(), ts))
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
                self.ephemeral.append(Ephemeral(ts, str(body.get("text", ""))))
            elif body.get("replace_original"):
                update = {k: body[k] for k in ("text", "blocks") if k in body}
                self.messages[at] = replace(self.messages[at], body=update)
            self.responses.append(body)
            self._changed.notify_all()
        return web.Response(text="ok")

    async def _list_messages(self, _: web.Request) -> web.Response:
        listed = [{"channel": m.channel, "ts": m.ts, "body": m.body} for m in self.messages]
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
