"""What an instructor sees of issue 14 in the browser: partial matches marked below the cases
with every word, a place word as a removable chip, and 中国 offered as a region."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote


def test_partial_matches_place_chip_and_offer(page: Any, server: str, artifacts: Path) -> None:
    page.goto(server + "/?q=" + quote("価格転嫁 事業承継"))
    hits = page.locator(".hit-title")
    assert hits.count() == 3
    assert "一部の語に一致" in page.locator(".notice").first.inner_text()
    assert page.locator(".hit-partial").count() == 3  # no case has both words
    page.screenshot(path=str(artifacts / "search-partial.png"), full_page=True)

    page.goto(server + "/?q=" + quote("事業承継 東北"))
    assert page.locator(".hit-title").all_inner_texts() == ["水産加工組合の事業承継"]
    chip = page.locator("a.chip", has_text="地域: 北海道・東北")
    assert chip.is_visible()
    page.screenshot(path=str(artifacts / "search-place-chip.png"), full_page=True)
    with page.expect_navigation():
        chip.click()
    assert page.locator("#q").input_value() == "事業承継"  # the word left the search box

    page.goto(server + "/?q=" + quote("中国"))
    offer = page.locator("a.chip-offer")
    assert offer.inner_text().strip() == "地方: 中国 で絞り込む"
    page.screenshot(path=str(artifacts / "search-offer.png"), full_page=True)
