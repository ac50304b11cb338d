"""Japanese input through an IME, and the phone layout (filter sheet, focus after paging),
in headless Chromium at 390 px and 1366 px; screenshots in test-artifacts/."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


def searches(page: Any) -> list[str]:
    """Record the results-fragment requests the page sends from now on."""
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if "/search/results" in r.url else None)
    return sent


def test_no_request_while_the_ime_is_composing(page, server, artifacts):
    page.goto(server + "/")
    sent = searches(page)
    title = page.title()
    page.focus("#q")
    cdp = page.context.new_cdp_session(page)
    # じぎょうしょうけい typed as kana, still unconverted, then converted to 事業承継
    reading = "じぎょうしょうけい"
    for i in range(1, len(reading) + 1):
        part = reading[:i]
        cdp.send("Input.imeSetComposition", {"text": part, "selectionStart": i, "selectionEnd": i})
    cdp.send(
        "Input.imeSetComposition", {"text": "事業承継", "selectionStart": 4, "selectionEnd": 4}
    )
    assert page.input_value("#q") == "事業承継"  # on screen, but not committed yet
    page.wait_for_timeout(800)  # three times the as-you-type delay: any search would be out
    assert sent == []
    assert page.url == server + "/" and page.title() == title
    page.screenshot(path=str(artifacts / "ime-composing.png"))
    with page.expect_response(re.compile(r"/search/results\?q=")) as answer:
        cdp.send("Input.insertText", {"text": "事業承継"})  # 確定 (Enter in the IME)
    assert answer.value.ok
    expect(page.locator(".hit-title")).to_have_count(1)
    assert page.locator(".hit-title a").inner_text() == "水産加工組合の事業承継"
    page.wait_for_url(re.compile(r"q=%E4%BA%8B%E6%A5%AD%E6%89%BF%E7%B6%99"))
    expect(page).to_have_title(re.compile("「事業承継」の検索結果"))
    page.wait_for_timeout(600)
    assert len(sent) == 1, sent  # one search, for the committed text only
    assert "q=%E4%BA%8B%E6%A5%AD%E6%89%BF%E7%B6%99" in sent[0]


def test_composition_events_without_cdp_ime(page, server):
    """The same rule for browsers that fire only DOM events (isComposing on input)."""
    page.goto(server + "/")
    sent = searches(page)
    page.evaluate(
        """() => {
          const q = document.getElementById('q');
          q.dispatchEvent(new CompositionEvent('compositionstart', {data: ''}));
          for (const t of ['か', 'かか', 'かかく', '価格']) {
            q.value = t;
            q.dispatchEvent(new InputEvent('input', {data: t, isComposing: true, bubbles: true}));
          }
        }"""
    )
    page.wait_for_timeout(800)
    assert sent == []
    with page.expect_response(re.compile(r"/search/results")):
        page.evaluate(
            """() => {
              const q = document.getElementById('q');
              q.value = '価格転嫁';
              q.dispatchEvent(new CompositionEvent('compositionend', {data: '価格転嫁'}));
            }"""
        )
    expect(page.locator(".hit-title")).to_have_count(2)
    page.wait_for_timeout(600)
    assert len(sent) == 1


def results_in_view(page: Any) -> bool:
    """The results' top is at the top of the window, or as near as the page's length allows."""
    return bool(
        page.evaluate(
            """() => {
              const top = document.getElementById('results').getBoundingClientRect().top;
              const bottom = window.scrollY + window.innerHeight
                >= document.documentElement.scrollHeight - 1;
              return top >= 0 && (top < 100 || (bottom && top < window.innerHeight / 2));
            }"""
        )
    )


def _phone(browser: Any, server: str, **kw: Any) -> tuple[Any, Any]:
    context = browser.new_context(viewport=PHONE, locale="ja-JP", has_touch=True, **kw)
    return context, log_in(context, server)


def test_phone_filter_sheet_then_results_in_view(browser, server, artifacts):
    context, page = _phone(browser, server)
    try:
        page.goto(server + "/?q=%E7%B5%84%E5%90%88")  # 組合: every fixture case
        button = page.locator(".filter-button")
        expect(button).to_be_visible()
        page.screenshot(path=str(artifacts / "phone-search-top.png"))
        box = button.bounding_box()
        assert box is not None and box["y"] < 400  # at the top, not after 20 results
        assert not page.locator("#facets").is_visible()
        page.screenshot(path=str(artifacts / "phone-search.png"))
        button.click()
        expect(page.locator("#facets")).to_be_visible()
        assert page.evaluate("document.activeElement.id") == "facets-title"
        page.screenshot(path=str(artifacts / "phone-sheet.png"))
        page.locator("#facet-themes .facet-value", has_text="価格転嫁").click()
        expect(page.locator(".chip")).to_have_count(1)
        expect(page.locator("#facets")).to_be_hidden()  # the sheet closed itself
        expect(page.locator(".filter-button .filter-count")).to_have_text("（適用中 1 件）")
        assert page.evaluate("document.activeElement.id") == "results-title"
        assert results_in_view(page)  # the new results are in view
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path=str(artifacts / "phone-filtered.png"))
        # Escape closes an open sheet and gives the focus back to its button
        button.click()
        expect(page.locator("#facets")).to_be_visible()
        page.keyboard.press("Escape")
        expect(page.locator("#facets")).to_be_hidden()
        assert page.evaluate("document.activeElement.id") == "filters-open"
        # from the keyboard alone: the toggle, then 閉じる as a button
        page.keyboard.press("Space")
        expect(page.locator("#facets")).to_be_visible()
        page.locator(".sheet-close").focus()
        page.keyboard.press("Enter")
        expect(page.locator("#facets")).to_be_hidden()
        assert page.evaluate("document.activeElement.id") == "filters-open"
    finally:
        context.close()


def test_phone_sheet_without_javascript(browser, server, artifacts):
    context, page = _phone(browser, server, java_script_enabled=False)
    try:
        page.goto(server + "/?q=%E7%B5%84%E5%90%88")
        page.locator(".filter-button").click()
        expect(page.locator("#facets")).to_be_visible()
        page.locator("#facet-themes .facet-value", has_text="価格転嫁").click()
        page.wait_for_url(re.compile(r"filter=themes%3Dprice-pass-through#results$"))
        expect(page.locator("#facets")).to_be_hidden()
        assert results_in_view(page)
        page.screenshot(path=str(artifacts / "phone-nojs-filtered.png"))
    finally:
        context.close()


def test_paging_and_sort_move_focus_to_the_results(browser, server, artifacts):
    for viewport, name in ((PHONE, "phone"), (DESKTOP, "desktop")):
        context = browser.new_context(viewport=viewport, locale="ja-JP")
        page = log_in(context, server)
        try:
            page.goto(server + "/")
            page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
            page.select_option("#sort", "oldest")
            page.wait_for_url(re.compile(r"sort=oldest"))
            expect(page.locator(".hit-title a").first).to_have_text("組合員の相互支援によるBCP")
            assert page.evaluate("document.activeElement.id") == "results-title"
            assert results_in_view(page), name
            page.screenshot(path=str(artifacts / f"sorted-{name}.png"))
        finally:
            context.close()


def test_facet_groups_stay_open(page, server):
    page.goto(server + "/")
    prefecture = page.locator("#facet-prefecture")
    assert prefecture.get_attribute("open") is None  # folded by default
    prefecture.locator("summary").click()
    page.locator("#facet-themes summary").click()  # fold one open by default
    page.locator("#facet-kind .facet-value", has_text="事例").first.click()
    expect(page.locator(".chip")).to_have_count(1)
    expect(page.locator("#facet-prefecture")).to_have_attribute("open", "")
    assert page.locator("#facet-themes").get_attribute("open") is None
    page.reload()
    expect(page.locator("#facet-prefecture")).to_have_attribute("open", "")


def test_tables_keep_numbers_whole(browser, server, artifacts):
    context, page = _phone(browser, server)
    try:
        page.goto(server + "/cases/aichi-price")
        cells = page.locator(".case-body td")
        expect(cells.first).to_be_visible()
        lines = page.evaluate(
            """() => [...document.querySelectorAll('.case-body td')].map(td => {
                 const r = document.createRange(); r.selectNodeContents(td);
                 const tops = new Set([...r.getClientRects()].map(x => Math.round(x.top)));
                 return [td.textContent, tops.size];
               })"""
        )
        short = {text: n for text, n in lines if len(text) <= 4}
        assert short == {"２２社": 1, "４２社": 1, "３．５％": 1}, lines
        page.locator(".case-body table").scroll_into_view_if_needed()
        page.screenshot(path=str(artifacts / "phone-case-table.png"))
    finally:
        context.close()
