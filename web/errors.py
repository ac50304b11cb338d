"""The one error handler: KbError -> HTML page or the one JSON error shape.

JSON shape (pinned by tests/test_web_errors.py):
``{"error": {"code", "message", "path", "line", "field", "hint"}, "status": N}``
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response
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


def render_error(request: Request, exc: KbError) -> Response:
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
        err = KbError(_TITLES.get(exc.status_code, str(exc.detail)))
        err.status_code = exc.status_code
        err.code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return render_error(request, err)
