"""/login and /logout for instructors (the CSRF check itself runs in web.auth's middleware)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from web.auth import CSRF_COOKIE, SESSION_COOKIE, Auth, User, safe_next, wait_message

router = APIRouter()


def _auth(request: Request) -> Auth:
    return request.app.state.auth


def _page(request: Request, status: int = 200, **context: object) -> Response:
    auth = _auth(request)
    return request.app.state.templates.TemplateResponse(
        request,
        "login.html",
        {
            "title": "ログイン",
            "csrf_token": request.state.csrf_token,
            "proxy": auth.settings.auth == "proxy",
            "next": safe_next(request.query_params.get("next")),
            "name": "",
            "message": None,
            **context,
        },
        status_code=status,
    )


@router.get("/login", include_in_schema=False)
def login_form(request: Request) -> Response:
    if request.state.user is not None:
        return RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    return _page(request)


@router.post("/login", include_in_schema=False)
def login(
    request: Request,
    name: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=2000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    auth = _auth(request)
    target = safe_next(next)
    if auth.settings.auth == "proxy":
        return _page(request, 400, next=target)
    address = request.client.host if request.client else "?"
    user_key, addr_key = f"user:{name.strip().lower()}", f"addr:{address}"
    wait = max(auth.throttle.wait(user_key), auth.throttle.wait(addr_key, auth.address_limit))
    if wait > 0:
        return _page(request, 429, next=target, name=name, message=wait_message(wait))
    account = auth.store.verify(name.strip(), password)
    if account is None:
        auth.throttle.fail(user_key)
        auth.throttle.fail(addr_key, auth.address_limit)
        message = "ユーザー名またはパスワードが違います"
        return _page(request, 401, next=target, name=name, message=message)
    auth.throttle.reset(user_key)
    response = RedirectResponse(target, status_code=303)
    auth.set_session(response, request, User(account.name, account.admin))
    return response


@router.post("/logout", include_in_schema=False)
def logout(request: Request) -> Response:
    _auth(request).end_session(request)
    response = RedirectResponse("/login", status_code=303)
    secure = request.url.scheme == "https"
    for name in (SESSION_COOKIE, CSRF_COOKIE):
        response.delete_cookie(name, path="/", httponly=True, samesite="lax", secure=secure)
    return response
