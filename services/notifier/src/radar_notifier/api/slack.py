"""Slack's clicks on the buttons of alert messages (the app's Interactivity Request URL).

Signed by Slack, not by a bearer credential: the `v0` signature is checked with
slack_sdk's verifier against the app's signing secret, timestamps older than five
minutes are refused, and a request received before is refused as a replay (all
401/409, nothing done). A genuine click is answered 200 at once, as Slack wants; the
person is found from their Slack id (the alert's owner or manager, or `[[people]]`),
their rights are checked as the API checks a credential's, and the action goes
through the same command as the API's. The original message is then updated in place
through the click's `response_url`; a refusal is told to the clicking user alone.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.responses import JSONResponse
from slack_sdk.signature import Clock as SlackClock
from slack_sdk.signature import SignatureVerifier
from sqlalchemy.ext.asyncio import AsyncSession

from radar_notifier.api.commands import Acted, act
from radar_notifier.api.deps import Notifier
from radar_notifier.domain.actions import Action, Reason, Verb
from radar_notifier.domain.people import from_slack
from radar_notifier.domain.render.formatting import format_timestamp
from radar_notifier.domain.render.slack import escape_mrkdwn
from radar_notifier.domain.render.slack_buttons import BadPayload, Click, after_action, read_click
from radar_notifier.parts import NotifierParts
from radar_notifier.store import alerts, slack_requests
from radar_notifier.store.columns import view_from_json
from radar_runtime import Clock, SessionDep
from radar_runtime.errors import ApiError

log = logging.getLogger(__name__)

router = APIRouter()

# Slack's interaction payloads are a few kilobytes; a message's blocks at most ~40 KB.
MAX_BODY = 256 * 1024
MAX_AGE_SECONDS = 5 * 60


@router.post(
    "/slack/interactions",
    responses={
        401: {"description": "not signed by Slack, or too old"},
        409: {"description": "a replay"},
    },
)
async def slack_interactions(
    request: Request, notifier: Notifier, session: SessionDep, background: BackgroundTasks
) -> JSONResponse:
    """A click on an alert message's buttons, as Slack posts it (form field `payload`)."""
    body = await request.body()
    if len(body) > MAX_BODY:
        raise ApiError(413, "too_large", f"a Slack interaction is at most {MAX_BODY} bytes")
    signature = _verified(notifier, body, request.headers)
    async with notifier.runtime.unit_of_work() as uow:
        first = await slack_requests.first_time(uow.session, signature, uow.now)
    if not first:
        raise ApiError(409, "replayed", "this request was received before; nothing was done")
    try:
        [payload] = parse_qs(body.decode(), strict_parsing=True)["payload"]
        click = read_click(json.loads(payload))
    except (ValueError, KeyError, BadPayload) as error:
        raise ApiError(
            400,
            "bad_payload",
            f"not a Slack interaction payload: {error}",
            details=[{"field": "payload", "reason": str(error)}],
        ) from None
    if click is None or click.action is None:
        return JSONResponse({"ok": True})  # other interactions, and Open: nothing to do
    try:
        acted = await _act(notifier, session, click, click.action)
    except ApiError as refused:
        background.add_task(_tell_user, notifier, click, refused.message)
        return JSONResponse({"ok": False, "error": refused.message})
    background.add_task(_update_message, notifier, click, click.action, acted)
    return JSONResponse({"ok": True})


def _verified(parts: NotifierParts, body: bytes, headers: Any) -> str:
    """The request's signature once it is Slack's and fresh; a 401 naming why not."""
    secret = parts.settings.slack_signing_secret
    if secret is None:
        raise ApiError(404, "not_configured", "Slack interactivity is not set up here")
    timestamp = headers.get("x-slack-request-timestamp", "")
    signature = headers.get("x-slack-signature", "")
    if not (timestamp.isdigit() and len(timestamp) <= 12) or not signature:
        raise _unsigned("X-Slack-Request-Timestamp", "missing or not a unix time")
    now = parts.runtime.clock.now().timestamp()
    if abs(now - int(timestamp)) > MAX_AGE_SECONDS:
        raise _unsigned("X-Slack-Request-Timestamp", "older than five minutes")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        raise _unsigned("body", "not UTF-8") from None
    verifier = SignatureVerifier(secret.get_secret_value(), clock=_SlackTime(parts.runtime.clock))
    if not verifier.is_valid(body, timestamp, signature):
        raise _unsigned("X-Slack-Signature", "does not match the body")
    return str(signature)


def _unsigned(field: str, reason: str) -> ApiError:
    return ApiError(
        401,
        "bad_signature",
        f"not a request signed by Slack: {field} {reason}",
        details=[{"field": field, "reason": reason}],
    )


class _SlackTime(SlackClock):
    """The injected clock, as slack_sdk's verifier reads time."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def now(self) -> float:
        return self._clock.now().timestamp()


async def _act(parts: NotifierParts, session: AsyncSession, click: Click, action: Action) -> Acted:
    row = await alerts.by_id(session, click.alert_id)
    if row is None:
        raise ApiError(404, "not_found", "this alert is no longer known")
    who = from_slack(click.user_id, view_from_json(row.view), parts.rules.people)
    if who is None:
        raise ApiError(
            403,
            "unknown_person",
            f"Renewal Radar does not know who Slack user {click.user_id} is: ask an admin "
            "to add you to the notifier's [[people]]",
        )
    return await act(parts, who, click.alert_id, action)


async def _update_message(parts: NotifierParts, click: Click, action: Action, acted: Acted) -> None:
    name = escape_mrkdwn(acted.by.name)
    when = format_timestamp(acted.at)
    if action.verb is Verb.ACK:
        note, keep = f":white_check_mark: Acknowledged by {name} · {when}", False
    elif action.verb is Verb.SNOOZE:
        until = format_timestamp(acted.alert.snoozed_until)
        note, keep = f":zzz: Snoozed until {until} by {name}", True
    else:
        reason = Reason(acted.verdict.reason).label if acted.verdict is not None else ""
        note, keep = f":thumbsdown: Marked not useful ({reason}) by {name} · {when}", True
    blocks = after_action(click.blocks, click.alert_id, note, keep_buttons=keep)
    body = {"replace_original": True, "text": click.text, "blocks": blocks}
    await _respond(parts, click, body)


async def _tell_user(parts: NotifierParts, click: Click, message: str) -> None:
    text = f"Renewal Radar did not do that: {escape_mrkdwn(message)}"
    body = {"response_type": "ephemeral", "replace_original": False, "text": text}
    await _respond(parts, click, body)


async def _respond(parts: NotifierParts, click: Click, body: dict[str, Any]) -> None:
    result = await parts.slack.respond(click.response_url, body)
    if result.error is not None:
        log.warning("could not answer a Slack interaction", extra={"error": result.error})
