"""The console service process: server-rendered pages over the health, renewals and
notifier APIs, called with the signed-in person's own credential."""

from __future__ import annotations

from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from radar_console import pages
from radar_console.clients import (
    ApiRefused,
    HealthClient,
    NotifierClient,
    RenewalsClient,
    SignedOut,
)
from radar_console.domain.demo import read_demo_users
from radar_console.migrations import MIGRATIONS
from radar_console.parts import ConsoleParts
from radar_console.settings import ConsoleSettings
from radar_console.web.security import SecurityHeaders
from radar_console.web.viewer import Forbidden, NotSignedIn
from radar_console.work import purge_sessions_job
from radar_runtime import Clock, Runtime, ServiceSpec, build_app, run

DESCRIPTION = (
    "The web console: my book, account pages, alerts, renewals and leadership, over "
    "the health, renewals and notifier APIs with the signed-in person's credential."
)
STATIC = Path(__file__).with_name("static")


def bootstrap(settings: ConsoleSettings, clock: Clock | None = None) -> ConsoleParts:
    runtime = Runtime(settings, clock)
    http = httpx.AsyncClient(
        timeout=settings.api_timeout_seconds,
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
    )
    demo_links = tuple(
        (label, url)
        for label, url in (
            ("Slack messages", settings.demo_slack_url),
            ("Emails", settings.demo_mail_url),
        )
        if url
    )
    return ConsoleParts(
        settings=settings,
        runtime=runtime,
        http=http,
        health=HealthClient(settings.health_url, http),
        renewals=RenewalsClient(settings.renewals_url, http),
        notifier=NotifierClient(settings.notifier_url, http),
        demo_users=read_demo_users(settings.demo_users_path),
        demo_links=demo_links,
    )


def spec(parts: ConsoleParts) -> ServiceSpec:
    # No access: the console authenticates people by their session cookie and
    # forwards their credential; the services it calls check every permission.
    return ServiceSpec(
        name="console",
        migrations=MIGRATIONS,
        jobs=[purge_sessions_job(parts.runtime)],
        routers=pages.ROUTERS,
    )


def create_app(settings: ConsoleSettings | None = None, *, clock: Clock | None = None) -> FastAPI:
    parts = bootstrap(settings or ConsoleSettings(), clock)
    app = build_app(
        spec(parts),
        parts.runtime,
        parts=parts,
        title="Renewal Radar console",
        description=DESCRIPTION,
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(SecurityHeaders)
    _install_handlers(app)
    return app


def _install_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotSignedIn)
    async def not_signed_in(request: Request, error: NotSignedIn) -> Response:
        if error.page:
            return RedirectResponse(f"/sign-in?next={request.url.path}", status_code=303)
        return JSONResponse({"error": {"code": "unauthenticated", "message": "sign in"}}, 401)

    @app.exception_handler(SignedOut)
    async def signed_out(request: Request, _: SignedOut) -> Response:
        # The credential behind the session expired or was revoked.
        if request.method == "GET" and not request.url.path.startswith("/fragments"):
            return RedirectResponse("/sign-in?expired=1", status_code=303)
        return JSONResponse({"error": {"code": "unauthenticated", "message": "sign in"}}, 401)

    @app.exception_handler(ApiRefused)
    async def refused(request: Request, error: ApiRefused) -> Response:
        # What a service refused (a bad filter, no right to the account) or could not do.
        status = error.status if 400 <= error.status < 600 else 502
        if request.url.path.startswith("/fragments"):
            return JSONResponse({"error": {"code": "refused", "message": error.message}}, status)
        return HTMLResponse(
            f"<!doctype html><title>Not available</title><p>{_escape(error.message)}</p>"
            '<p><a href="/">Back to my book</a></p>',
            status_code=status,
        )

    @app.exception_handler(Forbidden)
    async def forbidden(_: Request, error: Forbidden) -> Response:
        return HTMLResponse(f"<p>{_escape(error.message)}</p>", status_code=403)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def main() -> None:
    run(create_app, ConsoleSettings())
