"""Access control in FastAPI: one dependency authenticates, another checks the role.

Every router a service declares gets `caller` as a router dependency (build_app adds
it), so no route can be served to an anonymous caller; commands add `requires(role)`
and an object check (`Access.ensure_may_act_on`).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from radar_schemas.common import PLAIN_PATTERN

from ..app import SessionDep
from ..db import audit_log
from . import store
from .access import Access
from .audit import REQUEST_ID
from .roles import Principal, Role

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearer",
    description=(
        "An OpenID Connect token from the company's identity provider, or an API token "
        "made with `radar-tokens new` (starts with `rrt_`)."
    ),
)


async def caller(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    access: Access = request.app.state.access
    return await access.authenticate(credentials.credentials if credentials else None)


Caller = Annotated[Principal, Depends(caller)]


def requires(role: Role) -> Any:
    async def check(who: Caller) -> Principal:
        return Access.require(who, role)

    return Depends(check)


Admin = Annotated[Principal, requires(Role.ADMIN)]


async def access_of(request: Request) -> Access:
    access: Access = request.app.state.access
    return access


AccessDep = Annotated[Access, Depends(access_of)]


class AuditEntry(BaseModel):
    id: int
    at: str
    actor_subject: str
    actor_name: str
    actor_email: str | None
    actor_role: str
    via: str
    action: str
    target_type: str
    target_id: str
    before: Any = None
    after: Any = None
    request_id: str | None


class AuditPage(BaseModel):
    entries: list[AuditEntry]
    next_cursor: str | None  # pass as `cursor` for the older entries; None: no more


async def read_audit(
    _: Admin,
    session: SessionDep,
    action: Annotated[str | None, Query(pattern=PLAIN_PATTERN)] = None,
    target_type: Annotated[str | None, Query(pattern=PLAIN_PATTERN)] = None,
    target_id: Annotated[str | None, Query(pattern=PLAIN_PATTERN)] = None,
    actor: Annotated[
        str | None, Query(description="subject or email", pattern=PLAIN_PATTERN)
    ] = None,
    cursor: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> AuditPage:
    """Who changed what in this service, newest first (admins only)."""
    rows = await store.read_audit(
        session,
        audit_log,
        before_id=cursor,
        limit=limit + 1,
        action=action,
        target_type=target_type,
        target_id=target_id,
        actor=actor,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    entries = [AuditEntry(**{**row, "at": row["at"].isoformat()}) for row in rows]
    return AuditPage(entries=entries, next_cursor=str(rows[-1]["id"]) if more else None)


class MeOut(BaseModel):
    subject: str
    name: str
    email: str | None
    role: str
    via: str
    scope: list[str]


async def read_me(who: Caller) -> MeOut:
    """Who the credential says the caller is and their role (for apps such as the console)."""
    return MeOut(
        subject=who.subject,
        name=who.name,
        email=who.email,
        role=who.role.value,
        via=who.via,
        scope=sorted(who.scope),
    )


class RequestIds:
    """Gives every request an id (the caller's `X-Request-Id`, or a new one), echoed in
    the response and written to the audit log; pure ASGI, no per-request task."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v for k, v in scope["headers"] if k == b"x-request-id"), b"")
        request_id = given.decode("latin-1")[:128] if given else uuid.uuid4().hex
        token = REQUEST_ID.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode("latin-1")),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            REQUEST_ID.reset(token)
