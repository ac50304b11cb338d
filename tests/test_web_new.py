"""「新規事例」 routes: validation with `kb check` messages, download identical to `kb new`."""

from __future__ import annotations

from click.testing import CliRunner
from fastapi.testclient import TestClient

from kb.cli import main
from kb.config import load_settings
from tests.conftest import ContentTree, authed
from web.app import create_app

FORM = {"title": "共同受注によるDX推進", "summary": "受発注を電子化した。", "kind": "case",
        "themes": ["dx", "bcp"], "prefecture": "愛知県", "year": "2024", "visibility": "public"}  # fmt: skip


def client(content: ContentTree) -> TestClient:
    return authed(create_app(load_settings(content_dir=content.root)))


def test_form_page_lists_the_taxonomy(content: ContentTree) -> None:
    page = client(content).get("/new")
    assert page.status_code == 200
    assert "新規事例" in page.text and "Markdownをダウンロード" in page.text
    assert 'value="price-pass-through"' in page.text and '<option value="沖縄県">' in page.text


def test_validate_returns_the_check_messages(content: ContentTree) -> None:
    data = client(content).post("/api/new/validate", json={**FORM, "year": "1980"}).json()
    assert data["ok"] is False
    assert data["path"] == "content/cases/aichi/aichi-1980-dx.md"
    errors = [f["text"] for f in data["findings"] if f["severity"] == "error"]
    assert errors == [
        "content/cases/aichi/aichi-1980-dx.md:8: year: 1990〜2100 の年度で指定してください（指定値: 1980） "
        "(年度を整数で書きます（例: 2023）)"
    ]
    ok = client(content).post("/api/new/validate", json=FORM).json()
    assert ok["ok"] is True and "<h2" in ok["preview"] and "背景" in ok["preview"]


def test_download_is_byte_identical_to_kb_new(content: ContentTree) -> None:
    response = client(content).post("/new/download", data=FORM)
    assert response.status_code == 200
    assert 'filename="aichi-2024-dx.md"' in response.headers["content-disposition"]
    args = ["new", "--content", str(content.root), "--title", FORM["title"], "--summary",
            FORM["summary"], "--kind", "case", "--themes", "dx,bcp", "--prefecture", "愛知県",
            "--year", "2024", "--visibility", "public"]  # fmt: skip
    assert CliRunner().invoke(main, args).exit_code == 0
    written = (content.root / "cases" / "aichi" / "aichi-2024-dx.md").read_bytes()
    assert response.content == written
    assert not (content.root / "cases" / "aichi" / "aichi-2024-dx-2.md").exists()  # nothing saved
