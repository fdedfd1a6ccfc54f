"""Sign-in and sign-out. With an issuer configured: OpenID Connect authorization code
with PKCE. Without one: an API token (the admin token `radar up` prints), and the
demo's people when the demo runs. Either way the credential is checked by asking a
service who it belongs to (`GET /v1/me`), so the console trusts only what they do."""

from __future__ import annotations

import hmac
import logging
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from ..clients import ApiRefused, SignedOut
from ..domain.pkce import challenge_of, new_secret, unverified_claims
from ..parts import ConsoleParts
from ..store import sessions
from ..store.sessions import SessionRow
from ..web.templating import render
from ..web.viewer import COOKIE, Console, Forbidden, NotSignedIn, form_viewer

router = APIRouter(include_in_schema=False)
log = logging.getLogger(__name__)

# Signs the sign-in form itself (login CSRF): a random value in a cookie and the form.
PRE_COOKIE = "radar_console_pre"


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no //host)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    return target


@router.get("/sign-in")
async def sign_in_page(
    request: Request, parts: Console, next: str = "/", expired: int = 0, error: str = ""
) -> Response:
    pre = new_secret()
    response = render(
        request,
        "signin.html",
        None,
        next=_safe_next(next),
        pre=pre,
        oidc=bool(parts.settings.oidc_issuer),
        demo_users=parts.demo_users,
        expired=bool(expired),
        error=error,
    )
    _set_cookie(response, parts, PRE_COOKIE, pre, max_age=1800)
    return response


def _pre_ok(request: Request, pre: str) -> bool:
    cookie = request.cookies.get(PRE_COOKIE, "")
    return bool(cookie) and hmac.compare_digest(cookie.encode(), pre.encode())


@router.post("/sign-in/token")
async def sign_in_with_token(
    request: Request,
    parts: Console,
    token: Annotated[str, Form(max_length=4000)] = "",
    demo: Annotated[str, Form(max_length=100)] = "",
    pre: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    if not _pre_ok(request, pre):
        raise Forbidden("the sign-in form has expired; reload the page")
    if demo:
        chosen = [user for user in parts.demo_users if user.key == demo]
        if not chosen:
            return _back(parts, "no such demo user", next)
        token = chosen[0].token
    if not token.strip():
        return _back(parts, "enter an API token", next)
    return await _start_session(parts, token.strip(), "token", _safe_next(next))


@router.get("/sign-in/oidc")
async def sign_in_with_oidc(parts: Console, next: str = "/") -> Response:
    provider = await _discovery(parts)
    state, verifier, nonce = new_secret(), new_secret(), new_secret()
    async with _db(parts) as db, db.begin():
        await sessions.begin_sign_in(db, state, verifier, nonce, parts.runtime.clock.now())
    query = urlencode(
        {
            "client_id": parts.settings.oidc_client_id,
            "redirect_uri": _redirect_uri(parts),
            "response_type": "code",
            "scope": "openid email profile",
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge_of(verifier),
            "code_challenge_method": "S256",
        }
    )
    response = RedirectResponse(f"{provider['authorization_endpoint']}?{query}", 303)
    _set_cookie(response, parts, "radar_console_next", _safe_next(next), max_age=900)
    return response


@router.get("/sign-in/callback")
async def oidc_callback(
    request: Request, parts: Console, code: str = "", state: str = "", error: str = ""
) -> Response:
    if error or not code or not state:
        return _back(parts, f"the identity provider refused: {error or 'no code'}", "/")
    async with _db(parts) as db, db.begin():
        pending = await sessions.take_sign_in(db, state, parts.runtime.clock.now())
    if pending is None:
        return _back(parts, "that sign-in has expired; try again", "/")
    verifier, nonce = pending
    provider = await _discovery(parts)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": _redirect_uri(parts),
        "client_id": parts.settings.oidc_client_id,
        "code_verifier": verifier,
    }
    if parts.settings.oidc_client_secret:  # a confidential client; a public one has none
        form["client_secret"] = parts.settings.oidc_client_secret
    answer = await parts.http.post(provider["token_endpoint"], data=form)
    if answer.status_code != 200:
        log.warning("token endpoint refused", extra={"status": answer.status_code})
        return _back(parts, "the identity provider did not issue a token", "/")
    id_token = str(answer.json().get("id_token", ""))
    if unverified_claims(id_token).get("nonce") != nonce:
        return _back(parts, "the identity provider's answer did not match this sign-in", "/")
    target = _safe_next(request.cookies.get("radar_console_next"))
    return await _start_session(parts, id_token, "oidc", target)


@router.post("/sign-out")
async def sign_out(request: Request, parts: Console) -> Response:
    # The CSRF check of every other form, by hand: a signed-out cookie must still work.
    form = await request.form()
    try:
        viewer = await form_viewer(request, parts, str(form.get("csrf_token", "")))
    except NotSignedIn:
        return RedirectResponse("/sign-in", 303)
    async with _db(parts) as db, db.begin():
        await sessions.end(db, viewer.session_id)
    response = RedirectResponse("/sign-in", 303)
    response.delete_cookie(COOKIE, path="/")
    return response


async def _start_session(parts: ConsoleParts, credential: str, via: str, target: str) -> Response:
    try:
        me = await parts.health.me(credential)
    except SignedOut:
        return _back(parts, "that credential is not accepted", target)
    except ApiRefused as refused:
        return _back(parts, refused.message, target)
    session_id, now = new_secret(), parts.runtime.clock.now()
    row = SessionRow(
        subject=str(me["subject"]),
        name=str(me["name"]),
        email=me.get("email"),
        role=str(me["role"]),
        via=via,
        credential=credential,
        csrf=new_secret(),
        expires_at=now + timedelta(hours=parts.settings.session_hours),
    )
    async with _db(parts) as db, db.begin():
        await sessions.create(db, session_id, row, now)
    response = RedirectResponse(target, 303)
    _set_cookie(
        response, parts, COOKIE, session_id, max_age=int(parts.settings.session_hours * 3600)
    )
    response.delete_cookie(PRE_COOKIE, path="/")
    return response


def _back(parts: ConsoleParts, error: str, target: str) -> Response:
    query = urlencode({"error": error, "next": _safe_next(target)})
    return RedirectResponse(f"/sign-in?{query}", 303)


def _set_cookie(
    response: Response, parts: ConsoleParts, name: str, value: str, *, max_age: int
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        secure=parts.settings.secure_cookies,
        samesite="lax",  # lax: the identity provider's redirect back must carry it
    )


def _redirect_uri(parts: ConsoleParts) -> str:
    return parts.settings.public_url.rstrip("/") + "/sign-in/callback"


async def _discovery(parts: ConsoleParts) -> dict[str, Any]:
    issuer = parts.settings.oidc_issuer.rstrip("/")
    if not issuer:
        raise Forbidden("no identity provider is configured; sign in with an API token")
    answer = await parts.http.get(f"{issuer}/.well-known/openid-configuration")
    answer.raise_for_status()
    found: dict[str, Any] = answer.json()
    return found


def _db(parts: ConsoleParts) -> Any:
    assert parts.runtime.db is not None
    return parts.runtime.db.sessions()
