"""The 新規事例 form in a real browser: it shows the same error as `kb check` for a bad
value, and its download is byte-identical to `kb new`. Uses its own server fixture."""

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


@pytest.fixture
def new_form_url(content: ContentTree) -> Iterator[str]:
    app = create_app(load_settings(content_dir=content.root))
    temp_accounts(app)
    with serve_in_thread(app) as url:
        yield f"{url}/new"


@pytest.fixture
def page(browser: Any, new_form_url: str) -> Iterator[Any]:
    # the session's browser (tests/browser/conftest.py): a second sync_playwright() cannot
    # start while that one runs, whichever browser test comes first
    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    page.goto(new_form_url)
    browser_login(page)
    yield page
    context.close()


def fill(page: object, year: str) -> None:
    page.fill("#f-title", "共同受注によるDX推進")  # type: ignore[attr-defined]
    page.fill("#f-summary", "受発注を電子化した。")  # type: ignore[attr-defined]
    page.check("input[name=themes][value=dx]")  # type: ignore[attr-defined]
    page.fill("#f-prefecture", "愛知県")  # type: ignore[attr-defined]
    page.select_option("#f-visibility", "public")  # type: ignore[attr-defined]
    page.fill("#f-year", year)  # type: ignore[attr-defined]


def test_form_shows_the_same_error_as_kb_check(page: object, content: ContentTree) -> None:
    fill(page, "1980")
    error = page.locator("#new-findings li.error", has_text="指定値: 1980").first  # type: ignore[attr-defined]
    error.wait_for()
    shown = error.inner_text()
    # the same file checked by `kb check`
    path = content.write("cases/aichi/aichi-1980-dx.md", "")
    args = ["new", "--content", str(content.root), "--title", "共同受注によるDX推進", "--summary",
            "受発注を電子化した。", "--kind", "case", "--themes", "dx", "--prefecture", "愛知県",
            "--year", "2024", "--visibility", "public", "--stdout"]  # fmt: skip
    text = CliRunner().invoke(main, args).stdout.replace("year: 2024", "year: 1980")
    path.write_text(text.replace("aichi-2024-dx", "aichi-1980-dx"), encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "--content", str(content.root), str(path)])
    assert result.exit_code == 1
    assert shown in result.stdout.splitlines()
    assert "year: 1990〜2100 の年度で指定してください（指定値: 1980）" in shown


def test_download_is_byte_identical_to_kb_new(
    page: object, content: ContentTree, tmp_path: Path
) -> None:
    fill(page, "2024")
    page.locator("#new-findings li.warning").first.wait_for()  # type: ignore[attr-defined]
    with page.expect_download() as info:  # type: ignore[attr-defined]
        page.click("#new-download")  # type: ignore[attr-defined]
    download = info.value
    assert download.suggested_filename == "aichi-2024-dx.md"
    saved = tmp_path / "download.md"
    download.save_as(saved)
    args = ["new", "--content", str(content.root), "--title", "共同受注によるDX推進", "--summary",
            "受発注を電子化した。", "--kind", "case", "--themes", "dx", "--prefecture", "愛知県",
            "--year", "2024", "--visibility", "public"]  # fmt: skip
    assert CliRunner().invoke(main, args).exit_code == 0
    assert saved.read_bytes() == (content.root / "cases/aichi/aichi-2024-dx.md").read_bytes()
