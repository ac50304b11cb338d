"""/account/sessions: an instructor sees their sessions and ends one or all the others."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import (
    TEST_PASSWORD,
    TEST_USER,
    ContentTree,
    login,
    session_settings,
    temp_accounts,
)
from web.app import create_app
from web.auth import SESSION_COOKIE
from web.routes.account import describe_agent

CHROME_WIN = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
              "Chrome/126.0.0.0 Safari/537.36")  # fmt: skip
SAFARI_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
                 "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")  # fmt: skip


def app_with_accounts(tmp_path: Path, **changes: Any) -> Any:
    tree = ContentTree(tmp_path / "content")
    app = create_app(session_settings(tmp_path / "data", tree.root, **changes))
    temp_accounts(app)
    return app


def device(app: Any, agent: str, address: str) -> TestClient:
    client = TestClient(app, client=(address, 5000), headers={"User-Agent": agent})
    client.headers["X-CSRF-Token"] = login(client)
    return client


def handles(page: str) -> list[str]:
    return re.findall(r'name="session" value="([0-9a-f]+)"', page)


def test_the_page_lists_each_session_with_browser_address_and_times(tmp_path: Path) -> None:
    app = app_with_accounts(tmp_path)
    office = device(app, CHROME_WIN, "192.0.2.10")
    device(app, SAFARI_IPHONE, "198.51.100.7")
    page = office.get("/account/sessions")
    assert page.status_code == 200 and "ログイン中のセッション" in page.text
    assert "Chrome（Windows）" in page.text and "Safari（iOS）" in page.text
    assert "192.0.2.10" in page.text and "198.51.100.7" in page.text
    assert page.text.count("この端末</strong>") == 1  # marked on the office PC's row only
    assert len(handles(page.text)) == 1  # an end button for the phone, not for this session
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", page.text)
    # the sessions' ids never reach the page: they work like keys
    sids = [s.sid for s in app.state.auth.logins.sessions(TEST_USER)]
    assert len(sids) == 2 and not any(sid in page.text for sid in sids)
    assert 'href="/account/sessions"' in page.text  # the header links to it


def test_ending_one_session_logs_that_device_out(tmp_path: Path) -> None:
    app = app_with_accounts(tmp_path)
    office = device(app, CHROME_WIN, "192.0.2.10")
    token = office.headers["X-CSRF-Token"]
    phone = device(app, SAFARI_IPHONE, "198.51.100.7")
    page = office.get("/account/sessions").text
    phone_row = page[page.index("Safari（iOS）") :]
    handle = handles(phone_row)[0]
    ended = office.post("/account/sessions/end", data={"session": handle, "csrf_token": token},
                        follow_redirects=False)  # fmt: skip
    assert ended.status_code == 303 and ended.headers["location"] == "/account/sessions?ended=1"
    assert phone.get("/api/cases/none").status_code == 401
    assert office.get("/account/sessions?ended=1").status_code == 200
    assert "セッションを 1 件終了しました" in office.get("/account/sessions?ended=1").text
    # a handle of another user's session, or nonsense, ends nothing
    nothing = office.post("/account/sessions/end", data={"session": "0" * 20, "csrf_token": token},
                          follow_redirects=False)  # fmt: skip
    assert nothing.headers["location"] == "/account/sessions?ended=0"


def test_ending_all_other_sessions_keeps_this_one(tmp_path: Path) -> None:
    app = app_with_accounts(tmp_path)
    others = [device(app, SAFARI_IPHONE, f"198.51.100.{i}") for i in range(3)]
    office = device(app, CHROME_WIN, "192.0.2.10")
    token = office.headers["X-CSRF-Token"]
    page = office.get("/account/sessions").text
    assert "この端末以外のセッションをすべて終了（3 件）" in page
    out = office.post("/account/sessions/end-others", data={"csrf_token": token},
                      follow_redirects=False)  # fmt: skip
    assert out.headers["location"] == "/account/sessions?ended=3"
    assert all(o.get("/account/sessions", follow_redirects=False).status_code == 303
               for o in others)  # fmt: skip
    assert office.get("/account/sessions").status_code == 200
    assert [s.address for s in app.state.auth.logins.sessions(TEST_USER)] == ["192.0.2.10"]


def test_ending_sessions_needs_the_sessions_csrf_token(tmp_path: Path) -> None:
    app = app_with_accounts(tmp_path)
    phone = device(app, SAFARI_IPHONE, "198.51.100.7")
    office = device(app, CHROME_WIN, "192.0.2.10")
    del office.headers["X-CSRF-Token"]
    refused = office.post("/account/sessions/end-others", follow_redirects=False)
    assert refused.status_code == 403
    phones = phone.headers["X-CSRF-Token"]  # another session's token does not fit either
    refused = office.post("/account/sessions/end-others", data={"csrf_token": phones},
                          follow_redirects=False)  # fmt: skip
    assert refused.status_code == 403
    assert phone.get("/account/sessions").status_code == 200


def test_the_page_needs_login(tmp_path: Path) -> None:
    app = app_with_accounts(tmp_path)
    response = TestClient(app).get("/account/sessions", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")


def test_proxy_mode_says_sessions_live_in_the_single_sign_on(tmp_path: Path) -> None:
    app = app_with_accounts(tmp_path, auth="proxy", trusted_proxies="10.0.0.1")
    client = TestClient(app, client=("10.0.0.1", 1), headers={"X-Forwarded-User": "yamada"})
    page = client.get("/account/sessions")
    assert page.status_code == 200 and "シングルサインオン" in page.text


def test_describe_agent() -> None:
    assert describe_agent(CHROME_WIN) == "Chrome（Windows）"
    assert describe_agent(SAFARI_IPHONE) == "Safari（iOS）"
    edge = CHROME_WIN + " Edg/126.0.0.0"
    assert describe_agent(edge) == "Edge（Windows）"
    assert describe_agent("curl/8.5.0") == "curl/8.5.0"
    assert describe_agent("") == "不明"


def test_login_records_the_browser_and_address(tmp_path: Path) -> None:
    app = app_with_accounts(tmp_path)
    device(app, CHROME_WIN, "192.0.2.10")
    (session,) = app.state.auth.logins.sessions(TEST_USER)
    assert session.agent == CHROME_WIN and session.address == "192.0.2.10"
    assert TEST_PASSWORD not in session.agent
