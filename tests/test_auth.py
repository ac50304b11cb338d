"""web.auth and /login, /logout: sessions, CSRF, throttling, proxy mode, the internal wall."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from kb.accounts import AccountStore
from tests.conftest import (
    TEST_PASSWORD,
    ContentTree,
    Indexed,
    login,
    session_settings,
    session_token,
)
from web.app import create_app
from web.auth import SESSION_COOKIE, safe_next, session_secret
from web.security import protect
from web.throttle import MemoryFailures, Throttle

INTERNAL = ["/", "/cases/a-case", "/themes/dx", "/api/search", "/api/cases/a-case", "/docs",
            "/openapi.json", "/anything/else"]  # fmt: skip


@pytest.fixture(scope="module")
def ix(meili_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Indexed]:
    tree = ContentTree(tmp_path_factory.mktemp("auth") / "content")
    tree.add("a-case", "## 背景\n本文。")
    built = Indexed(session_settings(meili_data, tree.root))
    built.rebuild()
    yield built
    built.drop()


def app_for(settings: Any, **changes: Any) -> Any:
    app = create_app(settings.model_copy(update=changes) if changes else settings)
    protect(app)
    return app


def token_of(client: TestClient, url: str = "/login") -> str:
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', client.get(url).text)
    assert match
    return match.group(1)


def new_user(settings: Any, admin: bool = False) -> str:
    name = f"u{uuid.uuid4().hex[:10]}"
    AccountStore.for_settings(settings).add(name, TEST_PASSWORD, admin=admin)
    return name


def post_login(client: TestClient, name: str, password: str) -> Any:
    form = {"name": name, "password": password, "csrf_token": token_of(client), "next": "/"}
    return client.post("/login", data=form, follow_redirects=False)


@pytest.mark.parametrize("path", INTERNAL)
def test_internal_routes_need_login(ix: Any, path: str) -> None:
    client = TestClient(app_for(ix.settings))
    response = client.get(path, follow_redirects=False)
    if path.startswith("/api/"):
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unauthorized"
    else:
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")


def test_api_asked_for_json_gets_401_not_redirect(ix: Any) -> None:
    client = TestClient(app_for(ix.settings))
    response = client.get("/cases/a-case", headers={"accept": "application/json"})
    assert response.status_code == 401 and response.json()["status"] == 401


@pytest.mark.parametrize("path", ["/login", "/public/", "/healthz", "/static/kb.css"])
def test_open_routes(ix: Any, path: str) -> None:
    assert TestClient(app_for(ix.settings)).get(path).status_code == 200


def test_login_then_internal_routes_then_logout(ix: Any) -> None:
    client = TestClient(app_for(ix.settings))
    token = login(client, ix.settings)
    cookie = client.cookies.get(SESSION_COOKIE)
    assert cookie
    assert client.get("/api/search?q=本文").json()["total"] == 1
    home = client.get("/", follow_redirects=False)
    assert home.status_code == 200
    assert 'action="/logout"' in home.text and f'value="{token}"' in home.text  # logout button
    out = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert client.cookies.get(SESSION_COOKIE) is None
    assert client.get("/api/search").status_code == 401


def test_session_cookie_attributes(ix: Any) -> None:
    client = TestClient(app_for(ix.settings))
    name = new_user(ix.settings)
    response = post_login(client, name, TEST_PASSWORD)
    set_cookie = response.headers["set-cookie"].lower()
    assert "kb_session=" in set_cookie and "httponly" in set_cookie
    assert "samesite=lax" in set_cookie and "max-age=" in set_cookie
    assert "secure" not in set_cookie  # plain http in tests


def test_next_goes_back_to_the_page_asked_for(ix: Any) -> None:
    client = TestClient(app_for(ix.settings))
    name = new_user(ix.settings)
    form = {"name": name, "password": TEST_PASSWORD, "csrf_token": token_of(client),
            "next": "/cases/a-case"}  # fmt: skip
    response = client.post("/login", data=form, follow_redirects=False)
    assert response.headers["location"] == "/cases/a-case"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x", ""]
)
def test_safe_next_refuses_other_sites(target: str) -> None:
    assert safe_next(target) == "/"


def test_wrong_password_is_refused_without_saying_which_part(ix: Any) -> None:
    client = TestClient(app_for(ix.settings))
    name = new_user(ix.settings)
    wrong = post_login(client, name, "not the password")
    unknown = post_login(client, "nobody-here", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert "ユーザー名またはパスワードが違います" in wrong.text
    assert SESSION_COOKIE not in wrong.headers.get("set-cookie", "")


def forged_cookies(settings: Any, name: str) -> list[str]:
    class OldSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 3600 * 24 * 30

    secret = session_secret(settings)
    expired = URLSafeTimedSerializer(secret, salt="kb-session", signer=OldSigner)
    other = URLSafeTimedSerializer("another secret " * 4, salt="kb-session")
    good = URLSafeTimedSerializer(secret, salt="kb-session").dumps({"u": name, "a": True})
    return [
        "garbage",
        other.dumps({"u": name, "a": True}),
        expired.dumps({"u": name, "a": True}),
        good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"),
        URLSafeTimedSerializer(secret, salt="other").dumps({"u": name}),
    ]


def test_forged_or_expired_cookie_is_refused(ix: Any) -> None:
    name = new_user(ix.settings)
    for cookie in forged_cookies(ix.settings, name):
        client = TestClient(app_for(ix.settings), cookies={SESSION_COOKIE: cookie})
        assert client.get("/api/search").status_code == 401, cookie
        assert client.get("/", follow_redirects=False).status_code == 303


def test_cookie_of_removed_account_is_refused(ix: Any) -> None:
    client = TestClient(app_for(ix.settings))
    name = new_user(ix.settings)
    assert post_login(client, name, TEST_PASSWORD).status_code == 303
    assert client.get("/api/search").status_code == 200
    AccountStore.for_settings(ix.settings).remove(name)
    assert client.get("/api/search").status_code == 401


def test_post_without_or_with_wrong_csrf_token_is_refused(ix: Any) -> None:
    client = TestClient(app_for(ix.settings))
    name = new_user(ix.settings)
    token_of(client)  # sets the CSRF cookie
    form = {"name": name, "password": TEST_PASSWORD}
    missing = client.post("/login", data=form, follow_redirects=False)
    wrong = client.post("/login", data={**form, "csrf_token": "0" * 64}, follow_redirects=False)
    assert missing.status_code == wrong.status_code == 403
    assert SESSION_COOKIE not in client.cookies
    token = login(client, ix.settings)
    assert client.post("/logout", follow_redirects=False).status_code == 403
    assert client.post("/api/search", json={}).status_code == 403
    header = client.post("/logout", headers={"X-CSRF-Token": token}, follow_redirects=False)
    assert header.status_code == 303


def test_csrf_token_from_another_browser_does_not_fit(ix: Any) -> None:
    attacker, victim = TestClient(app_for(ix.settings)), TestClient(app_for(ix.settings))
    stolen = token_of(attacker)
    login(victim, ix.settings)
    response = victim.post("/logout", data={"csrf_token": stolen}, follow_redirects=False)
    assert response.status_code == 403


def test_throttle_holds_under_a_burst_and_other_accounts_still_log_in(ix: Any) -> None:
    # its own address: failures are kept in the accounts file the other tests share
    client = TestClient(app_for(ix.settings, login_max_failures=3), client=("192.0.2.6", 5000))
    victim, other = new_user(ix.settings), new_user(ix.settings)
    codes = [post_login(client, victim, f"guess {i}").status_code for i in range(10)]
    assert codes[:3] == [401, 401, 401] and set(codes[3:]) == {429}
    locked = post_login(client, victim, TEST_PASSWORD)
    assert locked.status_code == 429 and "ログインできません" in locked.text
    assert SESSION_COOKIE not in client.cookies
    assert post_login(client, other, TEST_PASSWORD).status_code == 303


def test_throttle_per_address(ix: Any) -> None:
    app = app_for(ix.settings, login_max_failures=2)  # address limit: 5 x 2
    attacker = TestClient(app, client=("192.0.2.7", 5000))
    for i in range(10):
        post_login(attacker, f"user{i}", "guess")
    name = new_user(ix.settings)
    assert post_login(attacker, name, TEST_PASSWORD).status_code == 429
    colleague = TestClient(app, client=("192.0.2.8", 5000))
    assert post_login(colleague, name, TEST_PASSWORD).status_code == 303


def test_throttle_lock_expires_and_doubles() -> None:
    now = [1000.0]
    throttle = Throttle(2, base_s=30, clock=lambda: now[0])
    throttle.fail("k")
    assert throttle.wait("k") == 0
    throttle.fail("k")
    assert throttle.wait("k") == 30
    now[0] += 31
    assert throttle.wait("k") == 0
    throttle.fail("k")
    assert throttle.wait("k") == 60
    throttle.reset("k")
    assert throttle.wait("k") == 0


def test_throttle_memory_is_bounded() -> None:
    store = MemoryFailures(size=100)
    throttle = Throttle(1, store=store)
    for i in range(1000):
        throttle.fail(f"addr:{i}")
    assert len(store._state) == 100


def test_throttle_is_shared_by_the_workers_of_one_accounts_file(ix: Any) -> None:
    # two apps on the same data dir stand for two `kb serve` worker processes
    first = TestClient(app_for(ix.settings, login_max_failures=2), client=("192.0.2.20", 1))
    second = TestClient(app_for(ix.settings, login_max_failures=2), client=("192.0.2.21", 1))
    name = new_user(ix.settings)
    assert post_login(first, name, "guess 1").status_code == 401
    assert post_login(second, name, "guess 2").status_code == 401
    assert post_login(first, name, TEST_PASSWORD).status_code == 429
    assert post_login(second, name, TEST_PASSWORD).status_code == 429


def test_logout_revokes_the_session_even_for_a_copied_cookie(ix: Any) -> None:
    client = TestClient(app_for(ix.settings))
    token = login(client, ix.settings)
    copied = client.cookies[SESSION_COOKIE]
    thief = TestClient(app_for(ix.settings), cookies={SESSION_COOKIE: copied})
    assert thief.get("/api/search").status_code == 200
    out = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert out.status_code == 303
    assert thief.get("/api/search").status_code == 401
    again = TestClient(app_for(ix.settings))  # logging in again gives a new, valid session
    login(again, ix.settings)
    assert again.get("/api/search").status_code == 200


def test_secure_cookie_behind_trusted_https_proxy_only(ix: Any) -> None:
    app = app_for(ix.settings, trusted_proxies="10.0.0.0/8")
    name = new_user(ix.settings)
    via_proxy = TestClient(app, client=("10.1.2.3", 4000), headers={"X-Forwarded-Proto": "https"})
    response = post_login(via_proxy, name, TEST_PASSWORD)
    assert "secure" in response.headers["set-cookie"].lower()
    direct = TestClient(app, client=("192.0.2.1", 4000), headers={"X-Forwarded-Proto": "https"})
    response = post_login(direct, name, TEST_PASSWORD)
    assert "secure" not in response.headers["set-cookie"].lower()


def test_proxy_mode_trusts_the_header_only_from_proxies(ix: Any) -> None:
    app = app_for(ix.settings, auth="proxy", trusted_proxies="10.0.0.1")
    header = {"X-Forwarded-User": "yamada"}
    proxied = TestClient(app, client=("10.0.0.1", 4000), headers=header)
    assert proxied.get("/api/search").status_code == 200
    spoofed = TestClient(app, client=("192.0.2.1", 4000), headers=header)
    assert spoofed.get("/api/search").status_code == 401
    assert TestClient(app, client=("10.0.0.1", 4000)).get("/api/search").status_code == 401
    bad_name = TestClient(app, client=("10.0.0.1", 4000), headers={"X-Forwarded-User": "a b<"})
    assert bad_name.get("/api/search").status_code == 401
    # no password form to get around the proxy
    page = spoofed.get("/login")
    assert "シングルサインオン" in page.text and 'type="password"' not in page.text


@pytest.mark.parametrize("path", ["/public/", "/login", "/api/search", "/nope", "/static/kb.css"])
def test_security_headers_on_every_response(ix: Any, path: str) -> None:
    response = TestClient(app_for(ix.settings)).get(path, follow_redirects=False)
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"]
    if not path.startswith(("/public", "/static")):
        assert response.headers["cache-control"] == "no-store"


def test_a_checked_session_is_read_again_after_any_write_to_the_accounts(
    ix: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each request needs no account look-up until the accounts file is written to."""
    app = app_for(ix.settings)
    with TestClient(app) as client:  # one event loop thread, as in a uvicorn worker
        login(client, ix.settings)
        assert client.get("/api/search").status_code == 200

        def broken(sid: str) -> None:
            raise RuntimeError("the accounts file was read")

        monkeypatch.setattr(app.state.auth.logins, "live", broken)
        assert client.get("/api/search").status_code == 200  # checked, nothing written since
        AccountStore.for_settings(ix.settings).add(f"u{uuid.uuid4().hex[:8]}", TEST_PASSWORD)
        with pytest.raises(RuntimeError, match="accounts file was read"):
            client.get("/api/search")


# -- sessions end with the password, the account or the sessions page (issue 15) ---------------
def cli_env(settings: Any) -> dict[str, str]:
    return {"KB_DATA_DIR": str(settings.data_dir)}


@pytest.mark.parametrize("command", ["passwd", "remove"])
def test_kb_user_passwd_or_remove_ends_every_session_in_every_worker(ix: Any, command: str) -> None:
    """A stolen cookie stops working as soon as the password is changed (issue 15, point 4),
    also in a second worker that has the session checked and remembered."""
    from click.testing import CliRunner

    from kb.cli import main

    name = new_user(ix.settings)
    first_worker, second_worker = app_for(ix.settings), app_for(ix.settings)
    victim = TestClient(first_worker)
    assert post_login(victim, name, TEST_PASSWORD).status_code == 303
    laptop = TestClient(first_worker)
    assert post_login(laptop, name, TEST_PASSWORD).status_code == 303
    stolen = TestClient(second_worker, cookies={SESSION_COOKIE: victim.cookies[SESSION_COOKIE]})
    for client in (victim, laptop, stolen):
        assert client.get("/api/search").status_code == 200  # checked and remembered
    args = ["user", command, name] + (["--password-stdin"] if command == "passwd" else ["--yes"])
    result = CliRunner().invoke(
        main, args, input="a brand new password\n", env=cli_env(ix.settings)
    )
    assert result.exit_code == 0, result.output
    assert "セッション 2 件を終了しました" in result.output
    for client in (victim, laptop, stolen):
        assert client.get("/api/search").status_code == 401
        assert client.get("/", follow_redirects=False).headers["location"].startswith("/login")
    if command == "passwd":  # the new password opens a new session
        fresh = TestClient(second_worker)
        assert post_login(fresh, name, "a brand new password").status_code == 303
        assert fresh.get("/api/search").status_code == 200


def test_a_session_without_its_record_is_refused(ix: Any) -> None:
    """The cookie alone is not enough: its id must be a live session in the accounts file
    (cookies signed before sessions were recorded, or whose record was pruned)."""
    name = new_user(ix.settings)
    secret = session_secret(ix.settings)
    signed = URLSafeTimedSerializer(secret, salt="kb-session").dumps({"u": name, "s": "x" * 32})
    client = TestClient(app_for(ix.settings), cookies={SESSION_COOKIE: signed})
    assert client.get("/api/search").status_code == 401


def test_last_seen_is_written_every_few_minutes_not_every_request(ix: Any) -> None:
    from web.auth import SEEN_EVERY_S

    app = app_for(ix.settings)
    name = new_user(ix.settings)
    logins, auth = app.state.auth.logins, app.state.auth
    with TestClient(app) as client:  # one event loop thread, as in a uvicorn worker
        post_login(client, name, TEST_PASSWORD)
        with auth.store.database() as db:
            db.execute("UPDATE sessions SET seen = 1000 WHERE name = ?", (name,))
        client.get("/api/search")  # checked again after the write: seen long ago, written now
        seen = logins.sessions(name)[0].seen
        assert seen > time.time() - 60
        for _ in range(3):
            client.get("/api/search")
        assert logins.sessions(name)[0].seen == seen  # not a write per request
        auth._seen[logins.sessions(name)[0].sid] = time.time() - SEEN_EVERY_S - 1
        client.get("/api/search")
        assert logins.sessions(name)[0].seen > seen


# -- CSRF tokens bound to the session (issue 15, point 5) ---------------------------------------
def test_planted_csrf_cookie_and_its_token_are_refused_for_a_logged_in_user(ix: Any) -> None:
    """The attack of the issue: the attacker plants ``kb_csrf`` in the victim's browser (e.g.
    from a sibling subdomain) and takes the token the login page issues for that cookie; a
    POST from the victim's logged-in browser carrying both is refused."""
    from web.auth import CSRF_COOKIE

    attacker = TestClient(app_for(ix.settings))
    token_of(attacker)
    planted = attacker.cookies[CSRF_COOKIE]
    token_for_planted = token_of(attacker)  # the login form's token for that cookie
    victim = TestClient(app_for(ix.settings))
    name = new_user(ix.settings)
    assert post_login(victim, name, TEST_PASSWORD).status_code == 303
    victim.cookies.set(CSRF_COOKIE, planted)
    for path in ("/logout", "/account/sessions/end-others"):
        forged = victim.post(path, data={"csrf_token": token_for_planted}, follow_redirects=False)
        assert forged.status_code == 403, path
        header = victim.post(path, headers={"X-CSRF-Token": token_for_planted},
                             follow_redirects=False)  # fmt: skip
        assert header.status_code == 403, path
    assert victim.get("/api/search").status_code == 200  # still logged in: the POSTs did nothing
    own = session_token(victim)
    assert own != token_for_planted
    assert (
        victim.post("/logout", data={"csrf_token": own}, follow_redirects=False).status_code == 303
    )


def test_the_session_token_dies_with_the_session(ix: Any) -> None:
    client = TestClient(app_for(ix.settings))
    name = new_user(ix.settings)
    post_login(client, name, TEST_PASSWORD)
    old = session_token(client)
    client.post("/logout", data={"csrf_token": old}, follow_redirects=False)
    post_login(client, name, TEST_PASSWORD)
    assert session_token(client) != old
    response = client.post("/logout", data={"csrf_token": old}, follow_redirects=False)
    assert response.status_code == 403


def test_login_ends_the_pre_session_state(ix: Any) -> None:
    from web.auth import CSRF_COOKIE

    client = TestClient(app_for(ix.settings))
    name = new_user(ix.settings)
    response = post_login(client, name, TEST_PASSWORD)
    assert f'{CSRF_COOKIE}=""' in response.headers.get("set-cookie", "")
    assert CSRF_COOKIE not in client.cookies
    home = client.get("/account/sessions")
    assert CSRF_COOKIE not in home.headers.get("set-cookie", "")  # none while logged in


def test_an_expired_pre_session_cookie_is_refused_and_replaced(ix: Any) -> None:
    from web.auth import CSRF_COOKIE, PRESESSION_S, new_presession

    app = app_for(ix.settings)
    old = new_presession(time.time() - PRESESSION_S - 60)
    client = TestClient(app, cookies={CSRF_COOKIE: old})
    token = app.state.auth.csrf_token(None, old)  # what a login page left open showed then
    name = new_user(ix.settings)
    form = {"name": name, "password": TEST_PASSWORD, "csrf_token": token, "next": "/"}
    refused = client.post("/login", data=form, follow_redirects=False)
    assert refused.status_code == 403
    assert f"{CSRF_COOKIE}=" in refused.headers["set-cookie"]  # a new one comes with it
    assert old not in refused.headers["set-cookie"]
    assert post_login(TestClient(app), name, TEST_PASSWORD).status_code == 303


@pytest.mark.parametrize("site", ["cross-site", "same-site"])
def test_a_post_a_browser_marks_as_from_another_site_is_refused(ix: Any, site: str) -> None:
    client = TestClient(app_for(ix.settings))
    token = login(client, ix.settings)
    headers = {"Sec-Fetch-Site": site}
    out = client.post("/logout", data={"csrf_token": token}, headers=headers,
                      follow_redirects=False)  # fmt: skip
    assert out.status_code == 403
    same = client.post("/logout", data={"csrf_token": token},
                       headers={"Sec-Fetch-Site": "same-origin"}, follow_redirects=False)  # fmt: skip
    assert same.status_code == 303


def test_proxy_mode_token_is_bound_to_the_user(ix: Any) -> None:
    from web.auth import CSRF_COOKIE

    app = app_for(ix.settings, auth="proxy", trusted_proxies="10.0.0.1")
    attacker = TestClient(app, client=("10.0.0.1", 1), headers={"X-Forwarded-User": "mallory"})
    attacker.get("/login")
    planted = attacker.cookies[CSRF_COOKIE]
    token = token_of(attacker, "/account/sessions")
    victim = TestClient(app, client=("10.0.0.1", 1), headers={"X-Forwarded-User": "alice"},
                        cookies={CSRF_COOKIE: planted})  # fmt: skip
    forged = victim.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert forged.status_code == 403
    own = token_of(victim, "/account/sessions")
    assert (
        victim.post("/logout", data={"csrf_token": own}, follow_redirects=False).status_code == 303
    )
