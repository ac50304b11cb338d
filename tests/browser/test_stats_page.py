"""The 収集状況 page (/stats) in headless Chromium over the sample content: charts drawn
without JavaScript, figures as text, the desktop and phone layouts (screenshots)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kb.config import load_settings
from tests.browser.conftest import log_in, serve_in_thread
from tests.conftest import CONTENT, ROOT, TEST_PASSWORD, TEST_USER, Indexed
from web.app import create_app

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


@pytest.fixture(scope="module")
def sample_server(meili_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app over the project's own sample content (read only) and its targets.yml."""
    settings = load_settings(
        data_dir=meili_data, tools_dir=ROOT / ".tools", meili_url=None, meili_master_key=None,
        content_dir=CONTENT, index_name=f"s{uuid.uuid4().hex[:12]}", meili_timeout_s=60.0,
    )  # fmt: skip
    ix = Indexed(settings)
    ix.rebuild()
    app = create_app(settings)
    from kb.accounts import AccountStore

    app.state.auth.store = AccountStore(tmp_path_factory.mktemp("accounts") / "a.db")
    app.state.auth.store.add(TEST_USER, TEST_PASSWORD)
    with serve_in_thread(app) as url:
        yield url
    Indexed(settings).drop()


def _open(browser: Any, server: str, width: int, script: bool = True) -> Any:
    context = browser.new_context(
        viewport={"width": width, "height": 900}, locale="ja-JP", java_script_enabled=script
    )
    page = log_in(context, server)
    page.get_by_role("link", name="収集状況").click()
    page.wait_for_url(server + "/stats")
    return page


def test_stats_page_desktop(browser, sample_server, artifacts):
    page = _open(browser, sample_server, 1366, script=False)
    try:
        assert page.locator("h1").inner_text() == "収集状況"
        lead = page.locator(".stats-lead").inner_text()
        assert "登録 48 件" in lead and "電子ファイル 9 件" in lead
        goals = page.locator(".goal")
        assert goals.count() == 15  # electronic files, Q&A, 13 themes
        first = goals.first
        assert first.locator(".goal-label").inner_text() == "電子ファイル"
        assert first.locator(".goal-figure").inner_text() == "9 / 2,000 件（0.5%）"
        assert first.locator("svg title").text_content() == "電子ファイル: 9 / 2,000 件（0.5%）"
        assert first.locator("rect.goal-fill").get_attribute("width") == "0.5%"
        themes = page.locator("[aria-labelledby=themes-title] .bar-row")
        assert themes.count() == 13
        row = themes.filter(has_text="地域活性化")
        assert row.locator(".bar-count").inner_text() == "11 件"
        assert row.locator("rect.bar-fill").get_attribute("width") == "100.0%"  # the longest
        assert page.locator(".tile").count() == 48
        tokyo = page.locator(".tile", has_text="東京都")
        assert tokyo.locator(".tile-count").inner_text().startswith("1")
        assert page.locator("[aria-labelledby=years-title] .bar-row").first.inner_text()
        page.screenshot(path=str(artifacts / "stats-desktop.png"), full_page=True)
        # a bar's label opens the search it counts
        row.locator("a").click()
        page.wait_for_url("**/?filter=themes%3Dregional")
        assert page.locator(".results-summary .count").inner_text() == "11 件"
    finally:
        page.context.close()


def test_stats_page_phone(browser, sample_server, artifacts):
    page = _open(browser, sample_server, 390)
    try:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
        label = page.locator("[aria-labelledby=themes-title] .bar-label").first
        assert label.bounding_box()["width"] > 60
        page.screenshot(path=str(artifacts / "stats-phone.png"), full_page=True)
    finally:
        page.context.close()


def test_search_page_csv_link_downloads_the_result(browser, sample_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP",
                                  java_script_enabled=False, accept_downloads=True)  # fmt: skip
    page = log_in(context, sample_server)
    try:
        page.goto(sample_server + "/?q=%E4%BE%A1%E6%A0%BC%E8%BB%A2%E5%AB%81&filter=kind%3Dcase")
        total = page.locator(".results-summary .count").inner_text()
        link = page.get_by_role("link", name="CSVでダウンロード")
        assert link.get_attribute("href") == (
            "/api/search.csv?q=%E4%BE%A1%E6%A0%BC%E8%BB%A2%E5%AB%81&filter=kind%3Dcase"
        )
        with page.expect_download() as info:
            link.click()
        text = Path(info.value.path()).read_bytes().decode("utf-8")
        assert text.startswith("\ufeffID,タイトル,")
        rows = text.strip("\r\n").split("\r\n")
        assert f"{len(rows) - 1} 件" == total
    finally:
        context.close()
