"""Every service's /docs, served with Swagger UI's own files from this process: it works
offline and under a strict Content-Security-Policy (FastAPI's default loads them from
a CDN, and the page stays blank without one). The files come from the
`fastapi-offline` package, which ships Swagger UI 5 (needed for OpenAPI 3.1)."""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs/assets"
# A blank icon: the browser asks for one, and none may come from elsewhere.
_FAVICON = "data:image/x-icon;base64,AA=="


def install_docs(app: FastAPI) -> None:
    """Call with `FastAPI(docs_url=None, redoc_url=None)`."""
    static = resources.files("fastapi_offline") / "static"
    app.mount(ASSETS, StaticFiles(directory=str(static)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} - API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=_FAVICON,
            # Tokens pasted into Authorize stay across reloads of the page.
            swagger_ui_parameters={"persistAuthorization": True},
        )
