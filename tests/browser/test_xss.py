"""XSS payloads in a case's body and front matter render inert in Chromium: no dialog, no
script run, no javascript:/data: link, on the public portal, the instructor's pages and the
static site."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kb.accounts import AccountStore
from kb.config import load_settings
from tests.browser.conftest import serve_in_thread
from tests.conftest import ROOT, TEST_PASSWORD, ContentTree, Indexed
from web.app import create_app
from web.site import build_site

pytestmark = pytest.mark.browser

BODY = """\
## 背景 <script>window.__xss = 1; alert("h2")</script>
<script>window.__xss = 1; alert(1)</script>
<img src=x onerror="window.__xss = 1; alert(2)">
<iframe src="javascript:alert(3)"></iframe>

[link](javascript:alert(4)) [case](JaVaScRiPt:alert(5)) [ent](&#106;avascript:alert(6))
[space]( javascript:alert(7)) [data](data:text/html;base64,PHNjcmlwdD5hbGVydCg4KTwvc2NyaXB0Pg==)
![img](javascript:alert(9)) ![img2](x" onerror="alert(10))
[ok](https://example.jp/)

```html
<script>alert(11)</script>
```
"""
FRONT = (
    "organization: '<img src=x onerror=alert(12)>組合'\n"
    "tags: ['<svg onload=alert(13)>', '\"><script>alert(14)</script>']\n"
)
TITLE = "<script>alert(15)</script>事例"
SUMMARY = '\'"><img src=x onerror="window.__xss=1;alert(16)">要約です。\''


@pytest.fixture(scope="module")
def xss_server(meili_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("xss")
    tree = ContentTree(root / "content")
    for case_id, visibility in (("xss-public", "public"), ("xss-internal", "internal")):
        tree.add(case_id, BODY, title=TITLE, summary=SUMMARY, visibility=visibility, extra=FRONT)
    settings = load_settings(
        data_dir=meili_data, tools_dir=ROOT / ".tools", meili_url=None, meili_master_key=None,
        content_dir=tree.root, index_name=f"x{uuid.uuid4().hex[:12]}", meili_timeout_s=60.0,
    )  # fmt: skip
    ix = Indexed(settings)
    ix.rebuild()
    build_site(settings, root / "site")
    if AccountStore.for_settings(settings).get("xss-tester") is None:
        AccountStore.for_settings(settings).add("xss-tester", TEST_PASSWORD)
    with serve_in_thread(create_app(settings)) as url:  # create_app puts the wall up
        yield url, root / "site"
    ix.drop()


@pytest.fixture
def watched(browser: Any) -> Iterator[tuple[Any, list[str]]]:
    context = browser.new_context(locale="ja-JP")
    page = context.new_page()
    dialogs: list[str] = []

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    yield page, dialogs
    context.close()


def assert_inert(page: Any, dialogs: list[str]) -> None:
    page.wait_for_load_state("load")
    assert dialogs == []
    assert page.evaluate("typeof window.__xss") == "undefined"
    bad = page.evaluate(
        "[...document.querySelectorAll('a[href], img[src], iframe')]"
        ".map(e => (e.href || e.src || 'iframe').toString())"
        ".filter(u => u === 'iframe' || /^(javascript|data|vbscript):/i.test(u.trim()))"
    )
    assert bad == []
    assert page.locator("script:not([src])").count() == 0
    assert "<script>alert(15)</script>事例" in page.locator("h1").first.inner_text()


def test_public_case_page(xss_server: Any, watched: Any) -> None:
    base, _ = xss_server
    page, dialogs = watched
    page.goto(base + "/public/cases/xss-public")
    assert_inert(page, dialogs)
    assert page.locator("a[href='https://example.jp/']").count() == 1


def test_public_listing_and_search(xss_server: Any, watched: Any) -> None:
    base, _ = xss_server
    page, dialogs = watched
    for url in ("/public/", "/public/themes/dx", "/public/search?q=<script>alert(17)</script>"):
        page.goto(base + url)
        page.wait_for_load_state("load")
        assert dialogs == [] and page.evaluate("typeof window.__xss") == "undefined"


def test_instructor_case_page_after_login(xss_server: Any, watched: Any) -> None:
    base, _ = xss_server
    page, dialogs = watched
    page.goto(base + "/cases/xss-internal")
    page.wait_for_url("**/login?next=*")
    page.fill("#login-name", "xss-tester")
    page.fill("#login-password", TEST_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/cases/xss-internal")
    assert_inert(page, dialogs)


def test_static_site_pages(xss_server: Any, watched: Any) -> None:
    _, site = xss_server
    page, dialogs = watched
    page.goto((site / "cases" / "xss-public.html").as_uri())
    assert_inert(page, dialogs)
    page.goto((site / "index.html").as_uri())
    page.wait_for_load_state("load")
    assert dialogs == []
