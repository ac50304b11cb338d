"""/account/sessions: a logged-in instructor's sessions (where and when they logged in), and
ending one of them or all the others (the CSRF check runs in web.auth's middleware)."""

from __future__ import annotations

import re
import time
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from kb.logins import Session
from web.auth import Auth, User

router = APIRouter()
PAGE = "/account/sessions"

# (pattern, name) in order: the first match names the browser / the system
_BROWSERS = [(r"Edg(e|A|iOS)?/", "Edge"), (r"OPR/|Opera", "Opera"), (r"Firefox/|FxiOS/", "Firefox"),
             (r"Chrome/|CriOS/|Chromium/", "Chrome"), (r"Safari/", "Safari")]  # fmt: skip
_SYSTEMS = [(r"iPhone|iPad|iPod", "iOS"), (r"Android", "Android"), (r"Windows", "Windows"),
            (r"Mac OS X|Macintosh", "macOS"), (r"CrOS", "ChromeOS"), (r"Linux", "Linux")]  # fmt: skip


def describe_agent(agent: str) -> str:
    """A short name for a User-Agent string (「Chrome（Windows）」); unknown ones shortened."""
    browser = next((n for p, n in _BROWSERS if re.search(p, agent)), None)
    system = next((n for p, n in _SYSTEMS if re.search(p, agent)), None)
    if browser and system:
        return f"{browser}（{system}）"
    if browser or system:
        return str(browser or system)
    return agent[:60] or "不明"


def _when(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts))


def _row(session: Session, current: str) -> dict[str, object]:
    return {
        "handle": session.handle,
        "current": session.sid == current,
        "created": _when(session.created),
        "seen": _when(session.seen),
        "expires": _when(session.expires),
        "agent": describe_agent(session.agent),
        "agent_full": session.agent,
        "address": session.address or "不明",
    }


@router.get(PAGE, include_in_schema=False)
def sessions_page(request: Request) -> Response:
    auth: Auth = request.app.state.auth
    user: User = request.state.user
    sessions = auth.logins.sessions(user.name) if user.sid else []
    ended = request.query_params.get("ended", "")
    return request.app.state.templates.TemplateResponse(
        request,
        "sessions.html",
        {
            "title": "ログイン中のセッション",
            "proxy": not user.sid,
            "sessions": [_row(s, user.sid) for s in sessions],
            "others": sum(1 for s in sessions if s.sid != user.sid),
            "ended": int(ended) if ended.isdigit() and len(ended) < 6 else None,
        },
    )


@router.post(f"{PAGE}/end", include_in_schema=False)
def end_one(request: Request, session: Annotated[str, Form(max_length=100)] = "") -> Response:
    """End one session of this user, named by its handle (not this one: that is logout)."""
    auth: Auth = request.app.state.auth
    user: User = request.state.user
    ended = 0
    for s in auth.logins.sessions(user.name) if user.sid else []:
        if s.handle == session and s.sid != user.sid:
            auth.logins.end_session(s.sid)
            ended = 1
    return RedirectResponse(f"{PAGE}?ended={ended}", status_code=303)


@router.post(f"{PAGE}/end-others", include_in_schema=False)
def end_others(request: Request) -> Response:
    """End every session of this user except the one sending the request."""
    auth: Auth = request.app.state.auth
    user: User = request.state.user
    ended = auth.logins.end_sessions(user.name, keep=user.sid) if user.sid else 0
    return RedirectResponse(f"{PAGE}?ended={ended}", status_code=303)
