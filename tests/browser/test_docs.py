"""/docs in a real browser, offline: Swagger UI comes from the app itself and runs under the
app's CSP (it rendered blank before: the CSP blocked the CDN's script and its inline start),
and the sessions page (issue 15)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_docs_render_the_operation_list_offline(page: Any, server: str, artifacts: Path) -> None:
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto(server + "/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=20_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/search" in " ".join(paths) and "/public/api/search" in " ".join(paths)
    assert page.locator("h1").first.inner_text() == "API ドキュメント"
    page.screenshot(path=str(artifacts / "docs.png"), full_page=False)
    # nothing from another host, and no error at all (a CSP violation is logged as one)
    assert all(url.startswith(server) for url in requests), requests
    assert problems == []
    # "Try it out" calls the API from this logged-in browser
    page.locator(".opblock-summary-path", has_text="/api/search").first.click()
    page.get_by_role("button", name="Try it out").first.click()
    page.get_by_role("button", name="Execute").first.click()
    page.wait_for_selector(".responses-table .response-col_status", timeout=20_000)
    status = page.locator(".live-responses-table tbody .response-col_status").first
    status.wait_for(timeout=20_000)
    assert status.inner_text().strip().startswith("200")


def test_sessions_page(page: Any, server: str, artifacts: Path, browser: Any) -> None:
    from tests.browser.conftest import log_in

    other = browser.new_context(locale="ja-JP", user_agent="Mozilla/5.0 (iPhone; CPU iPhone "
                                "OS 17_5 like Mac OS X) Version/17.5 Mobile/15E148 Safari/604.1")  # fmt: skip
    log_in(other, server)
    page.goto(server + "/")
    page.get_by_role("link", name="instructor").click()
    page.wait_for_url(server + "/account/sessions")
    assert page.locator("table.sessions tbody tr").count() >= 2
    assert page.locator("tr.current").count() == 1
    page.screenshot(path=str(artifacts / "sessions.png"), full_page=True)
    page.get_by_role("button", name="この端末以外のセッションをすべて終了").click()
    page.wait_for_url("**/account/sessions?ended=*")
    assert "件終了しました" in page.locator(".notice").inner_text()
    assert page.locator("table.sessions tbody tr").count() == 1
    phone = other.new_page()
    phone.goto(server + "/")
    assert "/login" in phone.url  # that browser was logged out
    other.close()
