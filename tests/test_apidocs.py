"""web.apidocs: /docs without a CDN and without inline script (issue 15)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from kb.config import load_settings
from tests.conftest import CONTENT, authed
from web.app import create_app


def app() -> object:
    return create_app(load_settings(content_dir=CONTENT, meili_url="http://127.0.0.1:9",
                                    meili_master_key="x"))  # fmt: skip


def test_docs_page_uses_only_the_apps_own_files() -> None:
    page = authed(app()).get("/docs")
    assert page.status_code == 200 and "API ドキュメント" in page.text
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, re.S)
    assert scripts and all('src="/static/' in attrs and not body.strip() for attrs, body in scripts)
    assert "cdn" not in page.text.lower() and "https://" not in page.text
    assert 'data-openapi-url="/openapi.json"' in page.text
    csp = page.headers["content-security-policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )


def test_swagger_assets_are_served_and_public() -> None:
    client = TestClient(app())  # not logged in: the library files are public
    js = client.get("/static/swagger-ui/swagger-ui-bundle.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert "SwaggerUIBundle" in js.text
    css = client.get("/static/swagger-ui/swagger-ui.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    for name in ("index.html", "swagger-initializer.js", "..%2F__init__.py"):
        assert client.get(f"/static/swagger-ui/{name}").status_code == 404, name
    assert client.get("/static/kb.css").status_code == 200  # the app's own files still there


def test_docs_need_login() -> None:
    response = TestClient(app()).get("/docs", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
