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


def test_a_slug_too_long_for_a_file_name_is_a_422_in_the_error_shape(content: ContentTree) -> None:
    """issue 15: a 300-character slug answered 500 (the draft's file name was too long)."""
    c = client(content)
    response = c.post("/api/new/validate", json={**FORM, "slug": "a" * 300})
    assert response.status_code == 422, response.text[:300]
    assert set(response.json()) == {"error", "status"}
    error = response.json()["error"]
    assert error["code"] == "content_error" and error["field"] == "slug"
    assert "slug が長すぎます" in error["message"] and "96 文字以内" in error["hint"]
    page = c.post("/new/download", data={**FORM, "slug": "a" * 300})
    assert page.status_code == 422 and "slug が長すぎます" in page.text
    args = ["new", "--content", str(content.root), "--stdout", "--slug", "a" * 300, "--title",
            "t", "--summary", "s", "--kind", "case", "--themes", "dx", "--prefecture", "愛知県",
            "--year", "2024", "--visibility", "public"]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1 and "slug が長すぎます" in result.output
    assert "Traceback" not in result.output


def test_a_long_title_gives_a_shortened_id(content: ContentTree) -> None:
    data = client(content).post("/api/new/validate", json={**FORM, "title": "x" * 300}).json()
    assert data["ok"] is True, data["findings"]
    assert data["id"].startswith("aichi-2024-xxx") and len(data["id"]) <= 96
