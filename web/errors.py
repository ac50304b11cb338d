"""The one error handler: KbError -> HTML page or the one JSON error shape.

JSON shape (pinned by tests/test_web_errors.py):
``{"error": {"code", "message", "path", "line", "field", "hint"}, "status": N}``
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from kb.errors import KbError, QueryError
from web.responses import JSONResponse

_TITLES = {
    400: "リクエストが正しくありません",
    401: "ログインが必要です",
    403: "アクセスできません",
    404: "ページが見つかりません",
    422: "入力が正しくありません",
    500: "サーバーでエラーが発生しました",
    503: "検索サーバーに接続できません",
}


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return (
        path.startswith(("/api/", "/public/api/"))
        or path == "/healthz"
        or (
            "application/json" in request.headers.get("accept", "")
            and "text/html" not in request.headers.get("accept", "")
        )
    )


def error_payload(exc: KbError) -> dict[str, Any]:
    return {"error": exc.to_dict(), "status": exc.status_code}


# What an anonymous visitor is told of a server-side failure: what happened and what to do,
# never how the server is built (index names, filter expressions, file paths, commands).
_GENERIC = {
    503: ("検索サーバーに一時的に接続できません", "しばらくしてから、もう一度お試しください"),
}
_GENERIC_OTHER = ("サーバーでエラーが発生しました", "しばらくしてから、もう一度お試しください")


def for_viewer(request: Request, exc: KbError) -> KbError:
    """``exc`` as the one asking may see it: a server-side error (5xx) keeps its detail for
    logged-in instructors only; anyone else gets its status and code with a generic text."""
    if exc.status_code < 500 or getattr(request.state, "user", None) is not None:
        return exc
    message, hint = _GENERIC.get(exc.status_code, _GENERIC_OTHER)
    generic = KbError(message, hint=hint)
    generic.status_code, generic.code = exc.status_code, exc.code
    return generic


def render_error(request: Request, exc: KbError) -> Response:
    exc = for_viewer(request, exc)
    if _wants_json(request):
        return JSONResponse(error_payload(exc), status_code=exc.status_code)
    templates = getattr(request.app.state, "templates", None)
    title = _TITLES.get(exc.status_code, "エラー")
    if templates is not None:
        return templates.TemplateResponse(
            request,
            "public/error.html" if request.url.path.startswith("/public") else "error.html",
            {"title": title, "error": exc, "status": exc.status_code},
            status_code=exc.status_code,
        )
    return HTMLResponse(f"<h1>{title}</h1>", status_code=exc.status_code)  # pragma: no cover


def install(app: FastAPI) -> None:
    app.router.redirect_slashes = False  # web.errors._slash_redirect does it, relative

    @app.exception_handler(KbError)
    async def _kb_error(request: Request, exc: KbError) -> Response:
        return render_error(request, exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        loc = [str(x) for x in first.get("loc", ()) if x not in ("query", "path", "body")]
        err = QueryError(
            f"パラメータが正しくありません: {first.get('msg', '')}",
            field=".".join(loc) or None,
            hint="URL のパラメータを確認してください",
        )
        return render_error(request, err)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # Starlette logs the traceback and re-raises after sending this answer; the user
        # sees the usual page or JSON shape, never Python's text.
        err = KbError(
            "予期しないエラーが発生しました",
            hint="しばらくしてからもう一度試してください。続く場合は管理者に連絡してください",
        )
        err.status_code = 500
        err.code = "internal_error"
        return render_error(request, err)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404 and (moved := _slash_redirect(request)) is not None:
            return moved
        err = KbError(_TITLES.get(exc.status_code, str(exc.detail)))
        err.status_code = exc.status_code
        err.code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return render_error(request, err)


def _slash_redirect(request: Request) -> Response | None:
    """The path with or without its trailing slash, when that one has a route: a redirect
    with a relative ``Location`` (Starlette's own built an absolute URL from the Host
    header, so a forged Host was sent back as the place to go; it is switched off in
    ``install``)."""
    from starlette.routing import Match

    path = request.url.path
    if path == "/" or request.method not in ("GET", "HEAD"):
        return None
    other = path.rstrip("/") if path.endswith("/") else path + "/"
    if not other or other.startswith("//"):  # never a scheme-relative URL (another host)
        return None
    routes = request.app.router.routes
    if any(route.matches(request.scope)[0] != Match.NONE for route in routes):
        return None  # the path has a route (a 404 of its own, e.g. a missing static file)
    scope = {**request.scope, "path": other}
    if not any(route.matches(scope)[0] != Match.NONE for route in routes):
        return None
    target = quote(other, safe="/:@!$&'()*+,;=-._~") + (
        f"?{request.url.query}" if request.url.query else ""
    )
    return RedirectResponse(target, status_code=307)
