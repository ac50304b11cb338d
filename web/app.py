"""create_app(settings): routers, templates, static files and the one error handler."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from kb import __version__
from kb.config import Settings, load_settings
from web import apidocs, errors
from web.deps import Services
from web.routes import api, cases, new, search, stats, themes
from web.security import protect
from web.templating import configure

HERE = Path(__file__).parent


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or load_settings()
    app = FastAPI(
        title="kb 事例データバンク",
        version=__version__,
        description="中小企業組合の事例検索 API",
        docs_url=None,  # web.apidocs serves /docs without a CDN
        redoc_url=None,
    )
    app.state.services = Services.create(settings)
    app.state.templates = Jinja2Templates(directory=HERE / "templates")
    apidocs.install(app)  # /docs and /static/swagger-ui/…: before the /static mount
    configure(app.state.templates.env)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    errors.install(app)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:  # browsers ask for it at the root, logged in or not
        return FileResponse(HERE / "static" / "favicon.ico", media_type="image/x-icon")

    app.include_router(api.router)
    app.include_router(search.router)
    app.include_router(cases.router)
    app.include_router(themes.router)
    app.include_router(new.router)  # 新規事例
    app.include_router(stats.router)  # 収集状況
    protect(app)  # login on every internal route, CSRF, security headers, /login, /public/
    return app
