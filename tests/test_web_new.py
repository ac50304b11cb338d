"""「新規事例」 routes: a message per field in plain Japanese (the rules of `kb new`), the file
refused while anything is wrong (also without JavaScript), the download identical to `kb new`,
and the preview drawn with the case page's own template."""

from __future__ import annotations

import re

from click.testing import CliRunner
from fastapi.testclient import TestClient

from kb.cli import main
from kb.config import load_settings
from tests.conftest import ContentTree, authed
from web.app import create_app

FORM = {"title": "共同受注によるDX推進", "summary": "受発注を電子化した。", "kind": "case",
        "themes": ["dx", "bcp"], "prefecture": "愛知県", "year": "2024", "visibility": "public"}  # fmt: skip
DEVELOPER_TEXT = re.compile(r"content/|taxonomy\.yml|\.md:\d|指定値|のキー")


def client(content: ContentTree) -> TestClient:
    return authed(create_app(load_settings(content_dir=content.root)))


def test_form_page_has_a_control_for_every_field_and_no_messages(content: ContentTree) -> None:
    page = client(content).get("/new")
    assert page.status_code == 200
    text = page.text
    assert 'value="price-pass-through"' in text and '<option value="沖縄県">' in text
    for name in ("title", "summary", "year", "organization", "tags", "published", "slug"):
        assert f'id="f-{name}" name="{name}"' in text
    for name in ("prefecture", "industry", "organization_type"):
        assert f'<select id="f-{name}" name="{name}"' in text
    assert '<option value="製造業">' in text and '<option value="事業協同組合">' in text
    assert 'type="checkbox" name="programs" value="IT導入補助金"' in text
    assert 'type="radio" name="kind" value="qa"' in text and "> 質疑応答</label>" in text
    assert 'type="radio" name="visibility" value="public"' in text and "> 公開</label>" in text
    assert 'name="body-背景"' in text and 'name="body-質問"' in text
    # nothing is wrong before anything was typed
    assert 'aria-invalid="true"' not in text
    assert re.findall(r'<p class="field-msg" id="m-[^"]+"( hidden)?>', text) == [" hidden"] * len(
        re.findall(r'class="field-msg"', text)
    )


def test_validate_says_what_is_wrong_per_field_in_plain_japanese(content: ContentTree) -> None:
    bad = {
        **FORM,
        "year": "1980",
        "prefecture": "大坂府",
        "themes": [],
        "summary": "一。二。三。四。",
    }
    data = client(content).post("/api/new/validate", json=bad).json()
    assert data["ok"] is False
    assert data["errors"] == {
        "year": "年度は 1990〜2100 年の間で書いてください（入力: 1980）",
        "prefecture": "「大坂府」という都道府県はありません。もしかして「大阪府」ですか?",
        "themes": "テーマを1つ以上選んでください",
        "summary": "要約は 3 文以内にしてください（いま 4 文）",
    }
    assert data["labels"]["year"] == "年度"
    assert not any(DEVELOPER_TEXT.search(m) for m in data["errors"].values())


def test_japanese_era_and_labels_are_converted(content: ContentTree) -> None:
    sent = {
        **FORM,
        "year": "令和6年度",
        "kind": "質疑応答",
        "visibility": "内部",
        "tags": "価格交渉、共同受注 EDI",
    }
    data = client(content).post("/api/new/validate", json=sent).json()
    assert data["ok"] is True, data["errors"]
    assert data["values"]["year"] == 2024 and data["values"]["kind"] == "qa"
    assert "year: 2024\n" in data["markdown"] and "kind: qa\n" in data["markdown"]
    assert "tags: [価格交渉, 共同受注, EDI]\n" in data["markdown"]
    assert data["file"] == "aichi-2024-qa-dx.md"


def test_preview_is_the_case_page(content: ContentTree) -> None:
    sent = {**FORM, "body-背景": "組合員２０社の**受発注**が紙だった。", "industry": "製造業"}
    data = client(content).post("/api/new/validate", json=sent).json()
    html = data["preview"]
    assert (
        '<article class="case"' in html and '<h1 id="case-title">共同受注によるDX推進</h1>' in html
    )
    assert '<p class="summary">受発注を電子化した。</p>' in html
    assert "<strong>受発注</strong>" in html and "製造業" in html and "DX・デジタル化" in html
    assert "&lt;!--" not in html and "<!--" not in html  # the guidance is not shown as text
    assert "（ここに記入）" in html  # the unfilled sections
    assert '<a href="/?' not in html  # no link away from the form and what was typed
    assert any("取組" in n for n in data["notes"])


def test_without_javascript_a_wrong_form_comes_back_with_messages(content: ContentTree) -> None:
    response = client(content).post(
        "/new", data={**FORM, "year": "２０２４年", "prefecture": "大坂府", "action": "download"}
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    text = response.text
    assert "直すところが 1 か所あります" in text
    assert '<p class="field-msg" id="m-prefecture">「大坂府」という都道府県はありません' in text
    assert re.search(
        r'id="f-prefecture" name="prefecture" aria-describedby="h-prefecture m-prefecture" aria-invalid="true"',
        text,
    )
    assert 'value="２０２４年"' in text  # what was typed is kept
    assert '<p class="field-msg" id="m-year" hidden>' in text  # ２０２４年 is a good year


def test_download_is_byte_identical_to_kb_new(content: ContentTree) -> None:
    response = client(content).post("/new", data={**FORM, "action": "download"})
    assert response.status_code == 200
    assert 'filename="aichi-2024-dx.md"' in response.headers["content-disposition"]
    args = ["new", "--content", str(content.root), "--title", FORM["title"], "--summary",
            FORM["summary"], "--kind", "case", "--themes", "dx,bcp", "--prefecture", "愛知県",
            "--year", "2024", "--visibility", "public"]  # fmt: skip
    assert CliRunner().invoke(main, args).exit_code == 0
    written = (content.root / "cases" / "aichi" / "aichi-2024-dx.md").read_bytes()
    assert response.content == written
    assert not (content.root / "cases" / "aichi" / "aichi-2024-dx-2.md").exists()  # nothing saved


def test_written_sections_and_optional_fields_go_into_the_file(content: ContentTree) -> None:
    sent = {**FORM, "body-背景": "紙の受発注に時間がかかっていた。", "organization": "〇〇工業協同組合",
            "organization_type": "事業協同組合", "programs": ["IT導入補助金"], "published": "2024-03-15",
            "action": "download"}  # fmt: skip
    text = client(content).post("/new", data=sent).text
    assert "industry" not in text
    assert (
        "organization: 〇〇工業協同組合\norganization_type: 事業協同組合\nprograms: [IT導入補助金]\n"
        in text
    )
    assert "year: 2024\npublished: 2024-03-15\nvisibility: public\n" in text
    assert "## 背景\n\n紙の受発注に時間がかかっていた。\n\n## 取組\n\n<!--" in text


def test_body_problems_are_said_next_to_their_section(content: ContentTree) -> None:
    sent = {**FORM, "tags": "DX", "body-背景": "# 組合の概要\n組合員は２０社。",
            "body-取組": "担当の山田（090-1234-5678）が対応した。\n\n![工程図](flow.png)",
            "body-成果": "#### 数字\n受注が２割増えた。"}  # fmt: skip
    data = client(content).post("/api/new/validate", json=sent).json()
    assert data["errors"] == {
        "tags": "「DX」はテーマ「DX・デジタル化」と同じ意味です。タグからは消して、テーマで選んでください",
        "body-背景": "見出し「組合の概要」は「### 組合の概要」と書いてください（「背景」の見出しはこのフォームが付けます）",
    }
    assert data["labels"]["body-背景"] == "本文「背景」"
    fixed = {**sent, "tags": "", "body-背景": "### 組合の概要\n組合員は２０社。"}
    data = client(content).post("/api/new/validate", json=fixed).json()
    assert data["errors"] == {
        "body-成果": "見出しのレベルが飛んでいます（## の次に #### 数字）（### 数字 にしてください）"
    }
    notes = " ".join(data["notes"])
    assert "個人情報の可能性があります（電話番号）" in notes and "公開範囲を「内部」に" in notes
    assert "画像・資料「flow.png」は、ダウンロードしたファイルと同じフォルダに置いて" in notes
    assert not DEVELOPER_TEXT.search(notes) and "visibility" not in notes


def test_check_button_without_javascript_shows_the_preview(content: ContentTree) -> None:
    response = client(content).post("/new", data={**FORM, "kind": "質疑応答", "action": "preview"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert '<h1 id="case-title">共同受注によるDX推進</h1>' in response.text
    assert '<fieldset class="sections" data-kind="qa">' in response.text  # the kind's sections
    assert '<fieldset class="sections" data-kind="case" hidden>' in response.text
    assert "aichi-2024-qa-dx.md" in response.text
    assert 'type="radio" name="kind" value="qa" checked' in response.text  # 質疑応答 is qa


def test_what_is_typed_is_never_markup(content: ContentTree) -> None:
    evil = "<script>alert(1)</script>"
    sent = {**FORM, "title": evil, "summary": f"{evil}。", "organization": evil, "body-背景": evil}
    data = client(content).post("/api/new/validate", json=sent).json()
    assert "<script>" not in data["preview"] and "&lt;script&gt;" in data["preview"]
    page = client(content).post("/new", data={**sent, "year": "x", "action": "download"}).text
    assert "<script>alert" not in page and 'value="&lt;script&gt;alert(1)&lt;/script&gt;"' in page


def test_a_slug_too_long_for_a_file_name_is_a_field_message(content: ContentTree) -> None:
    """issue 15: a 300-character slug answered 500 (the draft's file name was too long)."""
    c = client(content)
    data = c.post("/api/new/validate", json={**FORM, "slug": "a" * 300}).json()
    assert data["ok"] is False
    assert data["errors"] == {
        "slug": "68 文字以内の短い英単語 1〜4 語にしてください（いま 300 文字）"
    }
    page = c.post("/new", data={**FORM, "slug": "a" * 300, "action": "download"})
    assert page.status_code == 422 and "68 文字以内の短い英単語" in page.text
    args = ["new", "--content", str(content.root), "--stdout", "--slug", "a" * 300, "--title",
            "t", "--summary", "s", "--kind", "case", "--themes", "dx", "--prefecture", "愛知県",
            "--year", "2024", "--visibility", "public"]  # fmt: skip
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1 and "--slug: 68 文字以内" in result.output
    assert "Traceback" not in result.output


def test_a_long_title_gives_a_shortened_id(content: ContentTree) -> None:
    data = client(content).post("/api/new/validate", json={**FORM, "title": "x" * 300}).json()
    assert data["ok"] is True, data["errors"]
    assert data["id"].startswith("aichi-2024-xxx") and len(data["id"]) <= 96
