"""Jinja2 templates (autoescaped) with what the layout needs: the viewer and the nav."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from ..domain import formats
from .viewer import Viewer

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parents[1] / "templates"))
TEMPLATES.env.filters["money"] = formats.money
TEMPLATES.env.filters["score"] = formats.score
TEMPLATES.env.filters["percent"] = formats.percent
TEMPLATES.env.filters["when"] = formats.when


def render(
    request: Request,
    template: str,
    viewer: Viewer | None,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    from ..pages import NAV  # the pages import this module

    parts = request.app.state.parts
    return TEMPLATES.TemplateResponse(
        request,
        template,
        {
            "viewer": viewer,
            "nav": [(label, path) for _, label, path in NAV],
            "live_seconds": parts.settings.live_seconds,
            "demo_links": parts.demo_links,
            **context,
        },
        status_code=status_code,
    )
