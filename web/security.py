"""Security headers on every response the app sends (pure ASGI, so streaming is untouched)."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}
# Internal pages must not stay in shared caches or the back-button cache of a shared PC.
_CACHEABLE = ("/public", "/static/", "/favicon.ico")


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        private = not str(scope.get("path", "")).startswith(_CACHEABLE)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.decode("latin-1").lower() for k, _ in headers}
                for name, value in HEADERS.items():
                    if name not in present:
                        headers.append((name.encode(), value.encode()))
                if private:
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


def protect(app: FastAPI) -> None:
    """Put the wall up: login, CSRF, security headers, the login and public routers."""
    from web.auth import Auth, AuthMiddleware
    from web.portal import Portal
    from web.routes import account, public
    from web.routes import auth as auth_routes

    if getattr(app.state, "auth", None) is not None:
        return
    services = app.state.services
    app.state.auth = auth = Auth(services.settings)
    app.state.portal = Portal(services)
    app.include_router(auth_routes.router)
    app.include_router(account.router)  # /account/sessions
    app.include_router(public.router)
    app.add_middleware(AuthMiddleware, auth=auth)
    # Outside Starlette's ServerErrorMiddleware (add_middleware would put it inside), so the
    # headers are also on 401/403 answers and on the 500 page of an unexpected exception.
    build = app.build_middleware_stack
    app.build_middleware_stack = lambda: SecurityHeadersMiddleware(build())  # type: ignore[method-assign]
