"""Who is asking: sessions, CSRF tokens, login throttling, and the wall around internal routes.

- Sessions are signed, time-limited cookies (itsdangerous): HttpOnly, SameSite=Lax, Secure
  when the request came over HTTPS, carrying a random session id that is good only while
  its row in the accounts file exists (kb.logins): logout, the sessions page, a password
  change and a removed account end it at once. ``X-Forwarded-For``/``-Proto`` and the proxy
  user header are believed only from ``KB_TRUSTED_PROXIES``.
- CSRF: the token a form or ``X-CSRF-Token`` header must carry is an HMAC of the session id
  for a logged-in user, and of a short-lived pre-session cookie (``kb_csrf``) before login
  (the login form); a token made for a cookie someone planted does not fit a session. Unsafe
  requests a browser marks as coming from another site (``Sec-Fetch-Site``) are refused too.
- Every path is internal unless listed in ``OPEN_PATHS``/``OPEN_PREFIXES``: default deny.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import math
import os
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kb.accounts import NAME_PATTERN, AccountStore
from kb.config import Settings
from kb.errors import KbError
from kb.logins import LoginRecords
from kb.tokens import TokenStore
from web.proxies import TrustedProxies
from web.throttle import Throttle

SESSION_COOKIE = "kb_session"
_CHECKED_MAX = 10_000  # sessions remembered as checked, per worker
CSRF_COOKIE = "kb_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
OPEN_PATHS = {"/public", "/login", "/logout", "/healthz", "/favicon.ico", "/robots.txt"}
OPEN_PREFIXES = ("/public/", "/static/")
TOKEN_PREFIXES = ("/api/",)  # routes an API token opens (never the forms)
MAX_FORM_BYTES = 1_000_000
# The pre-session cookie: ``<random>.<issued at>``, good for this long (a login form left
# open longer is sent again after a reload).
_PRESESSION = re.compile(r"^([A-Za-z0-9_-]{32,64})\.([0-9]{1,12})$")
PRESESSION_S = 2 * 3600
SEEN_EVERY_S = 300.0  # a session's "last seen" is written at most this often
_CROSS_SITE = {"cross-site", "same-site"}  # Sec-Fetch-Site values refused on unsafe requests


class AuthError(KbError):
    status_code = 401
    code = "unauthorized"


class CsrfError(KbError):
    status_code = 403
    code = "csrf_failed"


def is_open(path: str) -> bool:
    return path in OPEN_PATHS or path.startswith(OPEN_PREFIXES)


def session_secret(settings: Settings) -> str:
    """KB_SESSION_SECRET, else a key generated once and kept (0600) under data_dir."""
    if settings.session_secret:
        return settings.session_secret
    path = settings.data_dir.expanduser().resolve() / "session.key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text(encoding="utf-8").strip()
        if len(key) >= 32:
            return key
        raise KbError(
            "session.key is too short", path=path, hint="delete it; kb makes a new one"
        ) from None
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(key + "\n")
    return key


def safe_next(target: str | None) -> str:
    """A local path to go to after login; anything else (other hosts, schemes) becomes /."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    if any(c in target for c in "\\\r\n\t") or len(target) > 2000:
        return "/"
    return target


@dataclass(frozen=True)
class User:
    name: str
    admin: bool = False
    sid: str = ""  # the session's id ("" for a user the proxy vouches for)


class Auth:
    """The app's authentication policy, built once per app."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = AccountStore.for_settings(settings)
        self.signer = URLSafeTimedSerializer(session_secret(settings), salt="kb-session")
        self._csrf_key = hashlib.sha256(b"kb-csrf\0" + self.signer.secret_key).digest()
        self.max_age = int(settings.session_hours * 3600)
        self.proxies = TrustedProxies(settings.trusted_proxies)
        self.logins = LoginRecords(lambda: self.store)  # sessions, failed logins
        self.tokens = TokenStore(lambda: self.store)  # API tokens (`kb token`)
        self.throttle = Throttle(settings.login_max_failures, store=self.logins)
        # an office behind one NAT address shares this budget
        self.address_limit = settings.login_max_failures * 5
        # cookie -> (user, expires at, accounts-file version when checked): a session is
        # looked up again after any write to the accounts file (a logout, an ended session, a
        # password change or removed account in any worker), so ending it takes effect at once
        self._checked: dict[str, tuple[User, float, tuple[int, int]]] = {}
        self._seen: dict[str, float] = {}  # session id -> last seen, as last read or written

    # -- sessions ---------------------------------------------------------------------
    def start_session(self, request: Request, name: str) -> str:
        """Record a new session for ``name`` (browser and address for the sessions page) and
        return its cookie."""
        sid = secrets.token_urlsafe(24)
        self.logins.open_session(
            sid, name, time.time() + self.max_age,
            agent=request.headers.get("user-agent", ""),
            address=request.client.host if request.client else "",
        )  # fmt: skip
        return self.signer.dumps({"u": name, "s": sid})

    def _session(self, cookie: str | None) -> dict[str, Any] | None:
        """The session cookie's data, if its signature holds and it has not expired."""
        if not cookie or len(cookie) > 4096:
            return None
        try:
            data = self.signer.loads(cookie, max_age=self.max_age)
        except BadSignature:  # also SignatureExpired
            return None
        if not isinstance(data, dict) or not all(isinstance(data.get(k), str) for k in "us"):
            return None  # (cookies from before sessions had ids: log in again)
        return data

    def session_user(self, cookie: str | None) -> User | None:
        if not cookie:
            return None
        version = self.store.version()  # read first: a write after it makes a new one
        hit = self._checked.get(cookie)
        if hit is not None and hit[2] == version and time.time() < hit[1]:
            return hit[0]  # nothing written to the accounts file since it was checked
        data = self._session(cookie)
        if data is None:
            return None
        live = self.logins.live(data["s"])  # ended, expired or its account removed: None
        if live is None or live.name != data["u"]:
            return None
        user = User(live.name, live.admin, data["s"])
        if len(self._checked) >= _CHECKED_MAX:
            self._checked.clear()
            self._seen.clear()
        self._checked[cookie] = (user, live.expires, version)
        self._seen[user.sid] = live.seen
        return user

    def seen_due(self, user: User) -> bool:
        """Whether the session's "last seen" should be written now (then it counts as done)."""
        now = time.time()
        if not user.sid or now - self._seen.get(user.sid, now) < SEEN_EVERY_S:
            return False
        self._seen[user.sid] = now
        return True

    def touch(self, sid: str) -> None:
        # "last seen" is for the sessions page only: never fail a request for it
        with contextlib.suppress(KbError):
            self.logins.touch(sid)

    def end_session(self, request: Request) -> None:
        """Logout: this session ends for every copy of its cookie."""
        data = self._session(request.cookies.get(SESSION_COOKIE))
        if data is not None:
            self.logins.end_session(data["s"])

    def user(self, request: Request) -> User | None:
        if self.settings.auth == "proxy":
            if not self.proxies.sent(request.scope):
                return None
            name = request.headers.get(self.settings.proxy_user_header, "").strip()
            return User(name) if NAME_PATTERN.fullmatch(name) else None
        return self.session_user(request.cookies.get(SESSION_COOKIE))

    def set_session(self, response: Response, request: Request, user: User) -> None:
        """Log ``user`` in: a new session cookie; the pre-session (login form) state ends."""
        secure = request.url.scheme == "https"
        response.set_cookie(
            SESSION_COOKIE, self.start_session(request, user.name), max_age=self.max_age,
            path="/", httponly=True, samesite="lax", secure=secure,
        )  # fmt: skip
        response.delete_cookie(CSRF_COOKIE, path="/", httponly=True, samesite="lax", secure=secure)

    # -- API tokens -------------------------------------------------------------------
    def token_user(self, header: str) -> User:
        """The caller of an internal API route sending ``Authorization: Bearer …``."""
        token = self.tokens.verify(header[len("bearer ") :].strip())
        if token is None:
            raise AuthError("API トークンが正しくないか、取り消されています",
                            hint="`kb token list` で確認し、必要なら作り直してください")  # fmt: skip
        if token.expired:
            raise AuthError(f"API トークン {token.name} は有効期限が切れています",
                            hint=f"`kb token revoke {token.name}` の後、作り直してください")  # fmt: skip
        return User(f"token:{token.name}")

    # -- CSRF -------------------------------------------------------------------------
    def csrf_token(self, user: User | None, presession: str) -> str:
        """The token for forms of this request: bound to the session of a logged-in user
        (and, in proxy mode, to the user and the pre-session cookie), else to the
        pre-session cookie alone."""
        if user is not None and user.sid:
            binding = "s:" + user.sid
        elif user is not None:
            binding = f"u:{user.name}:{presession}"
        else:
            binding = "p:" + presession
        return hmac.new(self._csrf_key, binding.encode(), hashlib.sha256).hexdigest()

    def csrf_ok(self, user: User | None, presession: str, token: str | None) -> bool:
        if not token:
            return False
        if (user is None or not user.sid) and not presession:
            return False  # no pre-session state to bind to
        return hmac.compare_digest(self.csrf_token(user, presession), token)


def new_presession(now: float | None = None) -> str:
    return f"{secrets.token_urlsafe(32)}.{int(time.time() if now is None else now)}"


def valid_presession(value: str, now: float | None = None) -> bool:
    """A pre-session cookie of the right shape, issued within the last PRESESSION_S."""
    m = _PRESESSION.fullmatch(value)
    if m is None:
        return False
    age = (time.time() if now is None else now) - int(m.group(2))
    return -60 <= age <= PRESESSION_S


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"", False
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            return b"", False
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), True


def _form_token(body: bytes, content_type: str) -> str | None:
    if content_type.startswith("application/x-www-form-urlencoded"):
        values = parse_qs(body.decode("utf-8", "replace")).get(CSRF_FIELD)
        return values[0] if values else None
    if content_type.startswith("multipart/form-data"):
        m = re.search(rb'name="csrf_token"\r\n\r\n([0-9a-f]{64})\r\n', body)
        return m.group(1).decode() if m else None
    return None


class AuthMiddleware:
    """Forwarded headers, the CSRF check on every unsafe request, and login for internal paths."""

    def __init__(self, app: ASGIApp, auth: Auth) -> None:
        self.app = app
        self.auth = auth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        auth = self.auth
        auth.proxies.apply_forwarded(scope)
        request = Request(scope)
        header = request.headers.get("authorization", "")
        if header[:7].lower() == "bearer " and request.url.path.startswith(TOKEN_PREFIXES):
            await self._with_token(request, header)(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        state["user"] = user = auth.user(request)
        if user is not None and auth.seen_due(user):
            await run_in_threadpool(auth.touch, user.sid)
        # the pre-session cookie: for the login form, and in proxy mode (no session ids)
        presession = request.cookies.get(CSRF_COOKIE, "")
        fresh = False
        if user is None or not user.sid:
            if not valid_presession(presession):
                presession, fresh = new_presession(), True
        else:
            presession = ""  # a logged-in user's forms are bound to the session alone
        state["csrf_token"] = auth.csrf_token(user, presession)
        secure = scope.get("scheme") == "https"

        async def send_with_cookie(message: Message) -> None:
            if fresh and message["type"] == "http.response.start":
                cookie = f"{CSRF_COOKIE}={presession}; Path=/; Max-Age={PRESESSION_S}; " + (
                    "HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")
                )
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"set-cookie", cookie.encode())]
            await send(message)

        if request.method not in SAFE_METHODS:
            body, complete = await _read_body(receive)
            token = request.headers.get(CSRF_HEADER) or _form_token(
                body, request.headers.get("content-type", "")
            )
            other_site = request.headers.get("sec-fetch-site", "") in _CROSS_SITE
            if not complete or fresh or other_site or not auth.csrf_ok(user, presession, token):
                err = CsrfError(
                    "フォームの有効期限が切れたか、不正な送信です",
                    hint="ページを読み込み直してから、もう一度送信してください",
                )
                await _render(request, err)(scope, receive, send_with_cookie)
                return
            receive = _replay(body, receive)
        if user is None and not is_open(request.url.path):
            await self._challenge(request)(scope, receive, send_with_cookie)
            return
        await self.app(scope, receive, send_with_cookie)

    def _with_token(self, request: Request, header: str) -> ASGIApp:
        """A script's call with an API token: no cookies, so no CSRF check is needed (a page
        elsewhere cannot make a browser send this header); a bad token is a 401."""
        try:
            user = self.auth.token_user(header)
        except AuthError as exc:
            return _render(request, exc)
        state = request.scope.setdefault("state", {})
        state["user"], state["csrf_token"] = user, ""
        return self.app

    def _challenge(self, request: Request) -> Response:
        from web.errors import _wants_json

        if _wants_json(request) or request.method not in SAFE_METHODS:
            return _render(
                request, AuthError("ログインが必要です", hint="/login からログインしてください")
            )
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse("/login?next=" + quote(target, safe=""), status_code=303)


def _render(request: Request, err: KbError) -> Response:
    from web.errors import render_error

    return render_error(request, err)


def _replay(body: bytes, original: Receive) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await original()  # later calls wait for the disconnect

    return receive


def wait_message(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return f"ログインの失敗が続いたため、約 {minutes} 分間ログインできません"
