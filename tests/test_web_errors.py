"""web.errors: the one JSON error shape, pinned, and the HTML error page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from kb.errors import QueryError
from tests.conftest import CONTENT, authed, login, temp_accounts
from web.app import create_app
from web.errors import error_payload

# The API's one error shape. Changing it breaks clients: change this test on purpose only.
SHAPE = {"error": {"code", "message", "path", "line", "field", "hint"}, "status": None}


def client(tmp_path: Path) -> TestClient:
    from kb.config import load_settings

    # no server needed: these requests fail before or without Meilisearch
    settings = load_settings(
        content_dir=CONTENT, meili_url="http://127.0.0.1:9", meili_master_key="x"
    )
    return authed(create_app(settings))


def test_error_payload_shape_is_pinned() -> None:
    payload = error_payload(QueryError("だめ", field="q", hint="直す"))
    assert set(payload) == set(SHAPE)
    assert set(payload["error"]) == SHAPE["error"]  # type: ignore[arg-type]
    assert payload == {
        "error": {
            "code": "bad_request",
            "message": "だめ",
            "path": None,
            "line": None,
            "field": "q",
            "hint": "直す",
        },
        "status": 400,
    }


def test_validation_errors_use_the_shape(tmp_path: Path) -> None:
    r = client(tmp_path).get("/api/search", params={"limit": "many"})
    assert r.status_code == 400 and r.json()["status"] == 400
    assert set(r.json()["error"]) == SHAPE["error"] and r.json()["error"]["field"] == "limit"


def test_unknown_api_path_is_404_json(tmp_path: Path) -> None:
    r = client(tmp_path).get("/api/nothing")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/json")
    assert set(r.json()["error"]) == SHAPE["error"] and r.json()["error"]["code"] == "not_found"


def test_wrong_method_is_405_json(tmp_path: Path) -> None:
    r = client(tmp_path).post("/api/search")
    assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed"


def test_html_clients_get_a_japanese_page(tmp_path: Path) -> None:
    r = client(tmp_path).get("/no-such-page", headers={"accept": "text/html"})
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert "ページが見つかりません" in r.text


def test_unexpected_exception_is_500_in_the_shape_with_security_headers(tmp_path: Path) -> None:
    from kb.config import load_settings

    settings = load_settings(
        content_dir=CONTENT, meili_url="http://127.0.0.1:9", meili_master_key="x"
    )
    app = create_app(settings)

    @app.get("/api/boom")
    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    temp_accounts(app)
    c = TestClient(app, raise_server_exceptions=False)
    login(c)
    api = c.get("/api/boom")
    assert api.status_code == 500 and api.json()["error"]["code"] == "internal_error"
    assert set(api.json()["error"]) == SHAPE["error"] and "secret" not in api.text
    page = c.get("/boom", headers={"accept": "text/html"})
    assert page.status_code == 500 and "予期しないエラー" in page.text and "secret" not in page.text
    for r in (api, page):
        assert "default-src 'self'" in r.headers["content-security-policy"]
        assert r.headers["x-frame-options"] == "DENY" and r.headers["cache-control"] == "no-store"


# -- what a visitor is told when the search server fails (issue 15) ------------------------------
def test_public_503_is_generic_for_visitors_and_detailed_for_instructors(
    make_settings: Any, content: Any
) -> None:
    """The live index without its settings (as a half-done rebuild left it): Meilisearch's
    own message names the index and the visibility filter. Anonymous visitors see neither,
    nor the command that starts the server; a logged-in instructor sees the detail."""
    from kb import meili, meili_server

    content.add("aichi-2023-one", "## 背景\n組合の事例。")
    settings = make_settings(content_dir=content.root)
    conn = meili_server.ensure(settings)
    client_ = meili.client(conn)
    meili.wait_task(
        client_, client_.create_index(settings.index_name, {"primaryKey": "id"}).task_uid, 30
    )
    index = client_.index(settings.index_name)
    meili.wait_task(client_, index.add_documents([{"id": "x", "title": "組合"}]).task_uid, 30)
    try:
        app = create_app(settings)
        temp_accounts(app)
        visitor = TestClient(app)
        secrets = (settings.index_name, "visibility", "kb meili", "filterable", "Meilisearch")
        for path, accept in [("/public/?q=組合", "text/html"), ("/public/search?q=組合", "text/html"),
                             ("/public/api/search?q=組合", "application/json")]:  # fmt: skip
            response = visitor.get(path, headers={"accept": accept})
            assert response.status_code == 503, (path, response.text[:300])
            assert "検索サーバーに一時的に接続できません" in response.text
            for secret in secrets:
                assert secret not in response.text, (path, secret)
        api = visitor.get("/public/api/search?q=組合").json()
        assert api["error"]["code"] == "search_unavailable" and api["status"] == 503
        instructor = TestClient(app)
        login(instructor)
        detailed = instructor.get("/api/search?q=組合")
        assert detailed.status_code == 503
        assert "visibility" in detailed.text or "filterable" in detailed.text
    finally:
        meili.wait_task(client_, client_.delete_index(settings.index_name).task_uid, 30)


def test_an_unexpected_error_is_generic_for_visitors_too(tmp_path: Path) -> None:
    from kb.config import load_settings
    from kb.errors import KbError

    app = create_app(load_settings(content_dir=CONTENT, meili_url="http://127.0.0.1:9",
                                   meili_master_key="x"))  # fmt: skip

    @app.get("/public/boom")
    def boom() -> None:
        raise KbError("secret path /srv/kb/data", path="/srv/kb/data/accounts.sqlite3",
                      hint="run `kb meili start`")  # fmt: skip

    response = TestClient(app).get("/public/boom", headers={"accept": "application/json"})
    assert response.status_code == 500 and "/srv" not in response.text
    assert "kb meili" not in response.text and response.json()["error"]["code"] == "kb_error"


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/public/themes/dx/", "/public/themes/dx"),
        ("/public/search/?q=a&x=1", "/public/search?q=a&x=1"),
        ("/public", "/public/"),
    ],
)
def test_trailing_slash_redirects_do_not_reflect_the_host_header(
    tmp_path: Path, path: str, location: str
) -> None:
    c = TestClient(create_app(_offline_settings()))
    response = c.get(path, headers={"host": "evil.example"}, follow_redirects=False)
    assert response.status_code in (307, 308) and response.headers["location"] == location


def test_trailing_slash_redirects_for_instructors_are_relative(tmp_path: Path) -> None:
    c = client(tmp_path)
    for path, location in [("/cases/a-case/", "/cases/a-case"), ("/api/search/?q=1", "/api/search?q=1"),
                           ("/account/sessions/", "/account/sessions")]:  # fmt: skip
        response = c.get(path, headers={"host": "evil.example"}, follow_redirects=False)
        assert response.status_code == 307 and response.headers["location"] == location


def test_no_redirect_loop_for_a_missing_static_file(tmp_path: Path) -> None:
    c = TestClient(create_app(_offline_settings()))
    for path in ("/static/nope.css", "/static/nope.css/"):
        assert c.get(path, follow_redirects=False).status_code == 404


def _offline_settings() -> Any:
    from kb.config import load_settings

    return load_settings(content_dir=CONTENT, meili_url="http://127.0.0.1:9", meili_master_key="x")
