"""Email action links: `GET` shows a confirmation page and changes nothing (mail
scanners follow links); its `POST` button acts, as the recipient the link was signed
for, once. Signed by the notifier itself, so no bearer credential: a link changed,
expired, used before, or whose recipient may no longer act on the alert is refused
with a page that says why."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.ext.asyncio import AsyncSession

from radar_notifier.api.commands import act, owned_by
from radar_notifier.api.deps import Notifier
from radar_notifier.domain.actions import Action, Reason, Refused, Verb
from radar_notifier.domain.alerts import AlertView
from radar_notifier.domain.email_links import Claim, token_digest
from radar_notifier.domain.people import from_email
from radar_notifier.domain.render import pages
from radar_notifier.domain.render.formatting import format_timestamp
from radar_notifier.parts import NotifierParts
from radar_notifier.store import alerts, used_links
from radar_notifier.store.columns import view_from_json
from radar_runtime import SessionDep, UnitOfWork
from radar_runtime.auth.roles import Principal
from radar_runtime.errors import ApiError

router = APIRouter()

WHAT = {
    Verb.ACK: "Acknowledge this alert: no reminders until it resolves and comes back",
    Verb.SNOOZE: "Snooze this alert",
    Verb.NOT_USEFUL: "Tell the rule's owner this alert was not useful",
}


# A link refused is answered with a page saying why, not JSON: the reader is a person.
LINK_REFUSALS: dict[int | str, dict[str, Any]] = {
    status: {"description": why, "content": {"text/html": {}}}
    for status, why in (
        (403, "The recipient may no longer act on this alert"),
        (404, "No such link or alert"),
        (410, "The link was used already or has expired"),
    )
}
# A path with control characters is refused before the page, in the shared JSON shape.
LINK_REFUSALS[422] = {
    "description": "The link or the form is not valid",
    "content": {
        "text/html": {},
        "application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}},
    },
}


@router.get("/actions/{token}", response_class=HTMLResponse, responses=LINK_REFUSALS)
async def confirm_action(token: str, notifier: Notifier, session: SessionDep) -> HTMLResponse:
    """The confirmation page of an email action link; nothing changes here."""
    try:
        claim = _claim(notifier, token)
        if await used_links.used_at(session, token_digest(token)) is not None:
            raise Refused(410, "used_link", "this link was used already")
        view, who = await _alert_and_person(notifier, session, claim)
        notifier.access.ensure_may_act_on(who, owned_by(view), f"the alerts of {view.account_name}")
    except (Refused, ApiError) as refusal:
        return _refused(refusal)
    action = claim.action
    what = WHAT[action.verb]
    if action.snooze_for is not None:
        what += f" for {action.snooze_for.days} days"
    return HTMLResponse(pages.confirmation(view, action, who.name, what))


@router.post("/actions/{token}", response_class=HTMLResponse, responses=LINK_REFUSALS)
async def use_action(
    token: str, request: Request, notifier: Notifier, session: SessionDep
) -> HTMLResponse:
    """Act as the link says, once (the confirmation page's button)."""
    try:
        claim = _claim(notifier, token)
        action = _with_form(claim.action, await request.body())
        view, who = await _alert_and_person(notifier, session, claim)
        acted = await act(notifier, who, claim.alert_id, action, guard=_once(token, claim))
    except (Refused, ApiError) as refusal:
        return _refused(refusal)
    if action.verb is Verb.ACK:
        title, detail = "Acknowledged", "No reminders until it resolves and comes back."
    elif action.verb is Verb.SNOOZE:
        until = format_timestamp(acted.alert.snoozed_until)
        title, detail = "Snoozed", f"No reminders until {until}."
    else:
        reason = Reason(acted.verdict.reason).label
        title, detail = "Thank you", f"Marked not useful ({reason}); the rule's owner reads these."
    return HTMLResponse(pages.done(view, title, f"{detail} ({who.name})"))


def _claim(parts: NotifierParts, token: str) -> Claim:
    if parts.links.email is None:
        raise Refused(404, "not_configured", "email action links are not set up here")
    return parts.links.email.read(token, parts.runtime.clock.now())


def _with_form(action: Action, body: bytes) -> Action:
    """A "not useful" link asks for its reason (and a note) on the page."""
    if action.verb is not Verb.NOT_USEFUL or action.reason is not None:
        return action
    try:
        form = parse_qs(body.decode(), max_num_fields=10)
        reason = Reason(form.get("reason", [""])[0])
    except (ValueError, UnicodeDecodeError):
        raise Refused(422, "reason_required", "choose why the alert was not useful") from None
    note = form.get("note", [""])[0].strip()[:2000] or None
    if note is not None and any(ord(c) < 32 and c not in "\n\r\t" for c in note):
        raise Refused(422, "bad_note", "the note holds characters that are not text")
    return Action(Verb.NOT_USEFUL, reason=reason, note=note)


async def _alert_and_person(
    parts: NotifierParts, session: AsyncSession, claim: Claim
) -> tuple[AlertView, Principal]:
    row = await alerts.by_id(session, claim.alert_id)
    if row is None:
        raise Refused(404, "not_found", "this alert is no longer known")
    view = view_from_json(row.view)
    who = from_email(claim.recipient, view, parts.rules.people)
    if who is None:
        raise Refused(
            403,
            "not_a_person",
            f"{claim.recipient} is not the owner or manager of {view.account_name} any more",
        )
    return view, who


def _once(token: str, claim: Claim) -> Callable[[UnitOfWork], Awaitable[None]]:
    async def use(uow: UnitOfWork) -> None:
        if not await used_links.use(uow.session, token_digest(token), claim, uow.now):
            raise Refused(410, "used_link", "this link was used already")

    return use


def _refused(refusal: Refused | ApiError) -> HTMLResponse:
    return HTMLResponse(pages.refused(refusal.message), status_code=refusal.status)
