"""The public portal (and the instructors' pager, on the same 49 sample cases) in headless Chromium at 1366 px and 390 px, on the sample content with
two cases marked featured: the front page, search with filters, a case page, and the static
site of `kb build-site`. Screenshots in test-artifacts/ (portal-*.png)."""

from __future__ import annotations

import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kb.accounts import AccountStore
from kb.config import load_settings
from tests.browser.conftest import log_in, serve_in_thread
from tests.conftest import CONTENT, ROOT, TEST_PASSWORD, TEST_USER, Indexed
from web.app import create_app
from web.site import build_site

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
FEATURED = ("aichi/aichi-2023-energy-price-pass.md", "saga/saga-2025-qa-succession-tax.md")


@pytest.fixture(scope="module")
def portal(meili_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    root = tmp_path_factory.mktemp("portal") / "content"
    shutil.copytree(CONTENT, root)
    for rel in FEATURED:
        path = root / "cases" / rel
        path.write_text(
            path.read_text(encoding="utf-8").replace("\nvisibility: public\n",
                                                     "\nvisibility: public\nfeatured: true\n", 1),
            encoding="utf-8",
        )  # fmt: skip
    settings = load_settings(
        data_dir=meili_data, tools_dir=ROOT / ".tools", meili_url=None, meili_master_key=None,
        content_dir=root, index_name=f"p{uuid.uuid4().hex[:12]}", meili_timeout_s=60.0,
    )  # fmt: skip
    ix = Indexed(settings)
    ix.rebuild()
    site = tmp_path_factory.mktemp("site") / "out"
    build_site(settings, site)
    app = create_app(settings)
    app.state.auth.store = AccountStore(tmp_path_factory.mktemp("accounts") / "a.db")
    app.state.auth.store.add(TEST_USER, TEST_PASSWORD)
    with serve_in_thread(app) as url:
        yield url, site
    Indexed(settings).drop()


@pytest.fixture(params=[DESKTOP, PHONE], ids=["desktop", "phone"])
def view(request: Any, browser: Any) -> Iterator[tuple[Any, str]]:
    context = browser.new_context(viewport=request.param, locale="ja-JP")
    yield context.new_page(), request.node.callspec.id
    context.close()


def no_sideways_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_front_page(portal, view, artifacts):
    url, _ = portal
    page, name = view
    page.goto(url + "/public/")
    featured = page.locator("#featured-title + .cards > .card")
    expect(featured).to_have_count(2)
    assert featured.first.locator(".kind").inner_text() in ("事例", "質疑応答")
    assert page.locator(".lead-card").count() == 1
    recent = page.locator("#recent-title + .cards .kind")
    assert set(recent.all_inner_texts()) == {"事例"}  # no Q&A or material among success stories
    assert page.locator(".region-tile").count() >= 5
    assert page.locator(".theme-tile").count() >= 8
    # cards are a grid, not a bulleted list
    assert page.evaluate("getComputedStyle(document.querySelector('.cards')).display") == "grid"
    assert (
        page.evaluate("getComputedStyle(document.querySelector('.card')).listStyleType") == "none"
    )
    assert no_sideways_scroll(page)
    page.screenshot(path=str(artifacts / f"portal-front-{name}.png"), full_page=True)


def test_search_with_filters_and_back_from_a_case(portal, view, artifacts):
    url, _ = portal
    page, name = view
    page.goto(url + "/public/search?q=%E4%BE%A1%E6%A0%BC%E8%BB%A2%E5%AB%81")  # 価格転嫁
    total = int(re.search(r"\d+", page.locator(".count").inner_text()).group())  # type: ignore[union-attr]
    page.select_option(".public-filters select[name=region]", "中部")
    page.locator(".public-filters button").click()
    page.wait_for_url(re.compile(r"region=%E4%B8%AD%E9%83%A8"))
    expect(page.locator(".chips .chip")).to_have_count(1)
    narrowed = int(re.search(r"\d+", page.locator(".count").inner_text()).group())  # type: ignore[union-attr]
    assert 0 < narrowed < total
    assert no_sideways_scroll(page)
    page.screenshot(path=str(artifacts / f"portal-search-{name}.png"), full_page=True)
    page.locator(".card h3 a").first.click()
    page.wait_for_url(re.compile(r"/public/cases/.+\?q="))
    assert page.locator("#case-title mark, .case-header mark, .case-body mark").count() > 0
    assert no_sideways_scroll(page)
    page.screenshot(path=str(artifacts / f"portal-case-{name}.png"), full_page=True)
    page.get_by_role("link", name="検索結果に戻る").click()
    page.wait_for_url(re.compile(r"/public/search\?q=.+region="))
    expect(page.locator(".chips .chip")).to_have_count(1)


def test_static_site_looks_the_same(portal, view, artifacts):
    _, site = portal
    page, name = view
    page.goto((site / "index.html").as_uri())
    expect(page.locator("#featured-title + .cards > .card")).to_have_count(2)
    assert page.evaluate("getComputedStyle(document.querySelector('.cards')).display") == "grid"
    assert set(page.locator("#recent-title + .cards .kind").all_inner_texts()) == {"事例"}
    assert no_sideways_scroll(page)
    page.screenshot(path=str(artifacts / f"portal-static-{name}.png"), full_page=True)


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_next_page_shows_the_top_of_the_results(portal, browser, artifacts, javascript):
    url, _ = portal
    context = browser.new_context(viewport=PHONE, locale="ja-JP", java_script_enabled=javascript)
    page = log_in(context, url)
    try:
        page.goto(url + "/")
        first = page.locator(".hit-title a").first.inner_text()
        page.get_by_role("link", name="次へ").click()
        page.wait_for_url(re.compile(r"page=2"))
        expect(page.locator(".pager [aria-current=page]")).to_have_text("2")
        assert page.locator(".hit-title a").first.inner_text() != first
        top = page.evaluate("document.getElementById('results').getBoundingClientRect().top")
        assert 0 <= top < 100  # not left at the bottom of page 2
        if javascript:
            assert page.evaluate("document.activeElement.id") == "results-title"
        else:
            assert page.url.endswith("#results")
        name = "js" if javascript else "nojs"
        page.screenshot(path=str(artifacts / f"phone-page2-{name}.png"))
    finally:
        context.close()
