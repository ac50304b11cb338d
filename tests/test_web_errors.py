"""web.errors: the one JSON error shape, pinned, and the HTML error page."""

from __future__ import annotations

from pathlib import Path

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
