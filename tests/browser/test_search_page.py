"""The search page and a case page in headless Chromium (JavaScript on and off)."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect


def hit_titles(page):
    return page.locator(".hit-title a").all_inner_texts()


def test_typing_updates_results_without_submitting(page, server, artifacts):
    page.goto(server + "/")
    assert len(hit_titles(page)) == 6
    page.get_by_label("キーワードで事例を探す").press_sequentially("価格転嫁", delay=30)
    expect(page.locator(".hit-title")).to_have_count(2)
    assert sorted(hit_titles(page)) == ["鋳物組合の価格転嫁交渉", "陶磁器組合の価格転嫁"]
    assert page.locator(".snippet mark").first.inner_text() == "価格転嫁"
    page.wait_for_url(re.compile(r"q=%E4%BE%A1%E6%A0%BC"))  # the URL follows, shareable
    page.screenshot(path=str(artifacts / "search-page.png"), full_page=True)


def test_two_facets_change_counts_and_chips_then_back_keeps_state(page, server, artifacts):
    page.goto(server + "/")
    facet = page.locator("#facet-themes .facet-value", has_text="DX・デジタル化")
    assert facet.locator(".n").inner_text().startswith("2")
    facet.click()
    page.wait_for_selector(".chip")
    assert page.locator(".chip").all_inner_texts()[0].startswith("テーマ: DX・デジタル化")
    assert len(hit_titles(page)) == 2
    kind_counts = page.locator("#facet-kind .facet-value").all_inner_texts()
    assert any(t.startswith("質疑応答") for t in kind_counts)
    page.locator("#facet-kind .facet-value", has_text="質疑応答").click()
    expect(page.locator(".chip")).to_have_count(2)
    assert hit_titles(page) == ["受発注システムの共同利用に関する質問"]
    # other themes now count only Q&A cases (the kind filter narrows them)
    theme_values = page.locator("#facet-themes .facet-value").all_inner_texts()
    assert not any("価格転嫁" in t for t in theme_values)
    assert "filter=themes%3Ddx" in page.url and "filter=kind%3Dqa" in page.url
    search_url = page.url
    page.screenshot(path=str(artifacts / "search-facets.png"), full_page=True)

    page.locator(".hit-title a").first.click()
    page.wait_for_url(re.compile(r"/cases/osaka-dx-qa\?filter="))  # the search comes along
    assert page.locator("h1#case-title").inner_text() == "受発注システムの共同利用に関する質問"
    back = page.locator(".breadcrumb a", has_text="に戻る")
    assert back.inner_text() == "検索結果（絞り込み 2 件）に戻る"
    assert back.get_attribute("href") == search_url.removeprefix(server) + "#results"
    page.go_back()
    page.wait_for_url(search_url)
    assert page.locator(".chip").count() == 2
    assert hit_titles(page) == ["受発注システムの共同利用に関する質問"]

    page.get_by_role("link", name="すべて解除").click()
    expect(page.locator(".chip")).to_have_count(0)
    assert len(hit_titles(page)) == 6


def test_same_search_with_javascript_off(browser, server):
    context = browser.new_context(java_script_enabled=False, locale="ja-JP")
    page = log_in(context, server)
    try:
        page.goto(server + "/")
        page.get_by_label("キーワードで事例を探す").fill("価格転嫁")
        page.get_by_role("button", name="検索").click()
        page.wait_for_url(re.compile(r"\?q="))
        assert sorted(hit_titles(page)) == ["鋳物組合の価格転嫁交渉", "陶磁器組合の価格転嫁"]
        page.locator("#facet-prefecture summary").click()  # folded by default
        page.locator("#facet-prefecture .facet-value", has_text="岐阜県").click()
        page.wait_for_url(re.compile(r"filter=prefecture"))
        assert hit_titles(page) == ["陶磁器組合の価格転嫁"]
        assert page.locator(".chip").count() == 1
        page.select_option("#year_from", "2024")
        page.locator(".year-form button").click()
        page.wait_for_url(re.compile(r"filter=year%3D2024"))
        assert hit_titles(page) == ["陶磁器組合の価格転嫁"]
    finally:
        context.close()


def test_case_page_and_print_view(page, server, artifacts):
    page.goto(server + "/cases/aichi-price")
    assert page.locator("nav.toc li").count() >= 3
    assert page.get_by_role("link", name="この事例を編集").is_visible()
    page.screenshot(path=str(artifacts / "case-page.png"), full_page=True)
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.locator("nav.toc").is_visible()
    assert page.locator("h1#case-title").is_visible() and page.locator(".case-meta").is_visible()
    page.screenshot(path=str(artifacts / "case-print.png"), full_page=True)


def test_phone_width_and_keyboard(browser, server, artifacts):
    context = browser.new_context(viewport={"width": 375, "height": 740}, locale="ja-JP")
    page = log_in(context, server)
    try:
        page.goto(server + "/?q=%E4%BE%A1%E6%A0%BC%E8%BB%A2%E5%AB%81")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "本文へ移動"
        page.screenshot(path=str(artifacts / "search-phone.png"), full_page=True)
    finally:
        context.close()


def test_result_opens_with_marked_words_and_the_way_back(browser, server, artifacts):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="ja-JP")
    page = log_in(context, server)
    try:
        page.goto(server + "/?q=%E5%8B%89%E5%BC%B7%E4%BC%9A")  # 勉強会
        page.locator(".hit-title a", has_text="鋳物組合").click()
        page.wait_for_url(re.compile(r"/cases/aichi-price\?q="))
        assert page.locator(".case-body mark").first.inner_text() == "勉強会"
        page.screenshot(path=str(artifacts / "case-marked.png"), full_page=True)
        page.get_by_role("link", name="「勉強会」の検索結果に戻る").click()
        page.wait_for_url(re.compile(r"/\?q=%E5%8B%89%E5%BC%B7%E4%BC%9A#results$"))
        page.goto(server + "/themes")
        assert page.locator(".theme-tile").count() >= 10
        page.screenshot(path=str(artifacts / "themes-index.png"), full_page=True)
    finally:
        context.close()
