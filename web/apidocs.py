"""/docs: the API's Swagger UI, served by the app itself (no CDN: an intranet has none, and
the app's CSP allows scripts from its own origin only).

The assets come from the PyPI package swagger-ui-bundle-v2; the page is a template without
inline script, and web/static/docs.js starts Swagger UI on /openapi.json. Internal like
every other page (login needed); the library files under /static/swagger-ui/ are public.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, Response
from swagger_ui_bundle import swagger_ui_path

from kb.errors import NotFoundError

ASSETS = Path(str(swagger_ui_path))
ASSET_PREFIX = "/static/swagger-ui/"
SERVED = {"swagger-ui-bundle.js", "swagger-ui.css"}  # all /docs needs


def install(app: FastAPI) -> None:
    """Add /docs and its assets; call before the /static mount (this route is more specific)."""

    @app.get(ASSET_PREFIX + "{name}", include_in_schema=False)
    def swagger_asset(name: str) -> Response:
        if name not in SERVED:
            raise NotFoundError(f"{name} はありません")
        return FileResponse(ASSETS / name, headers={"cache-control": "public, max-age=86400"})

    @app.get("/docs", include_in_schema=False)
    def docs(request: Request) -> Response:
        return request.app.state.templates.TemplateResponse(
            request,
            "docs.html",
            {"title": "API ドキュメント", "openapi_url": app.openapi_url, "assets": ASSET_PREFIX},
        )
