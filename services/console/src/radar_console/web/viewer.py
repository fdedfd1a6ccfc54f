"""Who is looking: the session behind the cookie. Pages send anonymous people to the
sign-in page; fragments and exports answer 401; every POST must carry the session's
CSRF token, and a change needs a role that may edit."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Form, Request

from ..parts import ConsoleParts
from ..store import sessions
from ..store.sessions import SessionRow

COOKIE = "radar_console_session"
ROLE_RANK = {"viewer": 0, "csm": 1, "manager": 2, "admin": 3}


class NotSignedIn(Exception):
    def __init__(self, page: bool) -> None:
        self.page = page


class Forbidden(Exception):
    def __init__(self, message: str) -> None:
        self.message = message


@dataclass(frozen=True)
class Viewer:
    session_id: str
    subject: str
    name: str
    email: str | None
    role: str
    credential: str
    csrf: str

    @property
    def may_edit(self) -> bool:
        """Whether the page offers changes at all; the APIs check each one."""
        return ROLE_RANK.get(self.role, 0) >= ROLE_RANK["csm"]


async def console(request: Request) -> ConsoleParts:
    parts: ConsoleParts = request.app.state.parts
    return parts


Console = Annotated[ConsoleParts, Depends(console)]


async def _viewer(request: Request, parts: ConsoleParts, *, page: bool) -> Viewer:
    session_id = request.cookies.get(COOKIE)
    if not session_id or parts.runtime.db is None:
        raise NotSignedIn(page)
    async with parts.runtime.db.sessions() as db:
        row: SessionRow | None = await sessions.find(db, session_id, parts.runtime.clock.now())
    if row is None:
        raise NotSignedIn(page)
    return Viewer(session_id, row.subject, row.name, row.email, row.role, row.credential, row.csrf)


async def page_viewer(request: Request, parts: Console) -> Viewer:
    return await _viewer(request, parts, page=True)


async def data_viewer(request: Request, parts: Console) -> Viewer:
    return await _viewer(request, parts, page=False)


async def form_viewer(
    request: Request, parts: Console, csrf_token: Annotated[str, Form()] = ""
) -> Viewer:
    """The viewer of a form POST, refused (403) without the session's CSRF token."""
    viewer = await _viewer(request, parts, page=False)
    if not hmac.compare_digest(csrf_token.encode(), viewer.csrf.encode()):
        raise Forbidden("the form's CSRF token is missing or wrong; reload the page")
    return viewer


async def editor_viewer(
    request: Request, parts: Console, csrf_token: Annotated[str, Form()] = ""
) -> Viewer:
    """The viewer of a change: the form's CSRF token, then a role that may edit (a viewer
    is refused here, before any API is asked; the APIs still check every change)."""
    viewer = await form_viewer(request, parts, csrf_token)
    if not viewer.may_edit:
        raise Forbidden(f"a {viewer.role} may look but not change anything")
    return viewer


PageViewer = Annotated[Viewer, Depends(page_viewer)]
DataViewer = Annotated[Viewer, Depends(data_viewer)]
FormViewer = Annotated[Viewer, Depends(editor_viewer)]
