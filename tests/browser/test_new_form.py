"""The 新規事例 form in a real browser, at desktop and phone widths: no message before a
field is touched, a message next to the field once it is, the download refused while
anything is wrong (with JavaScript, and by the server without it), and the file the same
as `kb new`'s. Screenshots go to test-artifacts/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from kb.cli import main
from kb.config import load_settings
from tests.browser.conftest import serve_in_thread
from tests.conftest import ContentTree, browser_login, temp_accounts
from web.app import create_app

pytestmark = pytest.mark.browser
expect = pytest.importorskip("playwright.sync_api").expect
WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}


@pytest.fixture
def new_form_url(content: ContentTree) -> Iterator[str]:
    app = create_app(load_settings(content_dir=content.root))
    temp_accounts(app)
    with serve_in_thread(app) as url:
        yield f"{url}/new"


def open_form(browser: Any, url: str, width: str, *, js: bool = True) -> Any:
    w, h = WIDTHS[width]
    context = browser.new_context(viewport={"width": w, "height": h}, locale="ja-JP",
                                  accept_downloads=True, java_script_enabled=js)  # fmt: skip
    page = context.new_page()
    page.goto(url)
    browser_login(page)
    return page


def fill(page: Any, year: str = "令和6") -> None:
    page.fill("#f-title", "共同受注によるDX推進")
    page.fill("#f-summary", "受発注を電子化した。")
    page.check("input[name=themes][value=dx]")
    page.select_option("#f-prefecture", "愛知県")
    page.check("input[name=visibility][value=public]")
    page.fill("#f-year", year)


def visible_messages(page: Any) -> list[str]:
    return [m.inner_text() for m in page.locator(".field-msg:visible").all()]


@pytest.mark.parametrize("width", WIDTHS)
def test_messages_only_after_a_field_is_touched(
    browser: Any, new_form_url: str, artifacts: Path, width: str
) -> None:
    page = open_form(browser, new_form_url, width)
    page.wait_for_selector("body.js")
    page.wait_for_load_state("networkidle")  # the first check has come back
    page.screenshot(path=str(artifacts / f"new-form-{width}-empty.png"), full_page=False)
    assert visible_messages(page) == []  # nothing is wrong before anything was typed
    assert page.locator("[aria-invalid=true]").count() == 0
    page.fill("#f-title", "共同受注")
    page.fill("#f-title", "")
    page.fill("#f-year", "２０２５年")
    page.locator("#f-summary").focus()  # the title and the year were left
    title_msg = page.locator("#m-title")
    title_msg.wait_for(state="visible")
    assert (
        title_msg.inner_text() == "⚠ タイトルを入力してください"
        or "タイトルを入力してください" in title_msg.inner_text()
    )
    assert page.get_attribute("#f-title", "aria-invalid") == "true"
    assert "m-title" in (page.get_attribute("#f-title", "aria-describedby") or "")
    expect(page.locator("#h-year")).to_have_text("2025年度として登録します。")
    assert visible_messages(page) == ["タイトルを入力してください"]  # not the untouched ones
    page.fill("#f-year", "1980")
    page.locator("#f-title").focus()
    page.locator("#m-year").wait_for(state="visible")
    assert "1990〜2100" in page.inner_text("#m-year")
    page.locator("#m-year").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / f"new-form-{width}-touched.png"))
    page.context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_download_refused_while_wrong_then_same_as_kb_new(
    browser: Any, new_form_url: str, content: ContentTree, artifacts: Path, tmp_path: Path,
    width: str,
) -> None:  # fmt: skip
    page = open_form(browser, new_form_url, width)
    downloads: list[Any] = []
    page.on("download", lambda d: downloads.append(d))
    page.fill("#f-title", "共同受注によるDX推進")
    page.click("#new-download")
    page.locator("#new-errors").wait_for(state="visible")
    assert "直すところが 4 か所あります" in page.inner_text("#new-errors")
    assert page.evaluate("document.activeElement.id") == "f-summary"  # the first wrong field
    assert "要約を入力してください" in page.inner_text("#m-summary")
    page.screenshot(path=str(artifacts / f"new-form-{width}-refused.png"))
    assert downloads == []
    fill(page)
    page.fill("#f-body-背景", "組合員２０社の受発注が紙とFAXだった。")
    page.locator("#new-errors").wait_for(state="hidden")
    page.locator("#new-preview h1", has_text="共同受注によるDX推進").wait_for()
    page.locator("#new-preview").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / f"new-form-{width}-preview.png"))
    with page.expect_download() as info:
        page.click("#new-download")
    download = info.value
    assert download.suggested_filename == "aichi-2024-dx.md"
    saved = tmp_path / "download.md"
    download.save_as(saved)
    assert "組合員２０社の受発注が紙とFAXだった。" in saved.read_text(encoding="utf-8")
    args = ["new", "--content", str(content.root), "--title", "共同受注によるDX推進", "--summary",
            "受発注を電子化した。", "--kind", "事例", "--themes", "dx", "--prefecture", "愛知県",
            "--year", "令和6年度", "--visibility", "公開", "--stdout"]  # fmt: skip
    made = CliRunner().invoke(main, args).stdout
    expected = made.replace("## 背景\n\n<!-- 組合の概要（業種・組合員数など）と、取組のきっかけになった課題を書きます。 -->\n（ここに記入）",
                            "## 背景\n\n組合員２０社の受発注が紙とFAXだった。")  # fmt: skip
    assert saved.read_text(encoding="utf-8") == expected
    page.context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_without_javascript_the_server_checks(
    browser: Any, new_form_url: str, artifacts: Path, tmp_path: Path, width: str
) -> None:
    page = open_form(browser, new_form_url, width, js=False)
    assert visible_messages(page) == []
    fill(page, year="２０２４年")
    page.fill("#f-title", "")
    with page.expect_navigation():
        page.click("#new-download")
    assert "直すところが 1 か所あります" in page.inner_text("#new-errors")
    assert visible_messages(page) == ["タイトルを入力してください"]
    assert page.get_attribute("#f-title", "aria-invalid") == "true"
    assert page.input_value("#f-year") == "２０２４年"  # kept as typed
    page.screenshot(path=str(artifacts / f"new-form-{width}-nojs-refused.png"), full_page=True)
    page.fill("#f-title", "共同受注によるDX推進")
    with page.expect_download() as info:
        page.click("#new-download")
    assert info.value.suggested_filename == "aichi-2024-dx.md"
    page.context.close()
