"""kb.extract on real Japanese files of every type, made by bench.docgen (reportlab,
python-docx, openpyxl, python-pptx), and the Japanese errors for files it cannot read."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.docgen import write_docx, write_pdf, write_pptx, write_xlsx
from kb.errors import ExtractionError
from kb.extract import extract, shift_headings

BIG = 10**8


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("docs")
    write_pdf(
        d / "bcp.pdf",
        [
            "令和５年度　事業継続計画（ＢＣＰ）の手引き",
            "愛知県の組合が作成した。売上は１２３４万円。",
        ],
        title="事業継続計画の手引き",
        table=[["項目", "金額"], ["原材料費", "１，２００円"], ["電気代", "３００円"]],
        vertical=["縦書きの段落です。", "組合員の協力で進めた。"],
        sjis=["シフトJISの明朝体で書いた頁です。"],
    )
    write_docx(
        d / "dx.docx",
        ["長野県の組合でデジタル化を進めた。", "# 見出しではない行"],
        title="デジタル化の事例",
        heading="組合のDX",
        table=[["年度", "件数"], ["２０２２", "３"]],
    )
    write_xlsx(d / "price.xlsx", {"価格転嫁": [["項目", "値"], ["原材料", "上昇"], ["労務費", 12.0]],
                                  "集計": [["合計", 3]]})  # fmt: skip
    write_pptx(d / "slides.pptx", [("脱炭素の進め方", ["CO2排出量を算定する", "省エネ設備を導入する"]),
                                   ("次の一手", ["再エネを検討する"])])  # fmt: skip
    (d / "memo.txt").write_bytes("事業承継の相談メモ\n平成30年に始めた。\n".encode("cp932"))
    (d / "note.md").write_text(
        "# 手引き\n\n[図](fig.png) を見る。[外部](https://example.jp)\n\n### 深い見出し\n本文。\n",
        encoding="utf-8",
    )
    (d / "page.html").write_text(
        "<html><head><title>インボイス制度の説明</title><style>p{}</style></head><body>"
        "<h1>インボイス</h1><p>適格請求書を&amp;保存する。</p><table><tr><th>区分</th><th>税率</th>"
        "</tr><tr><td>標準</td><td>10%</td></tr></table><script>alert(1)</script></body></html>",
        encoding="utf-8",
    )
    return d


def test_pdf_horizontal_table_vertical_and_shift_jis(files: Path) -> None:
    doc = extract(files / "bcp.pdf", max_bytes=BIG)
    assert doc.title == "事業継続計画の手引き"
    assert doc.unit == "ページ" and len(doc.pages) == 3  # page boundaries kept
    first, vertical, sjis = doc.pages
    # full-width digits and the full-width space stay as written (search folds them)
    assert "令和５年度　事業継続計画（ＢＣＰ）の手引き" in first
    assert "売上は１２３４万円。" in first
    assert "| 原材料費 | １，２００円 |" in first and "| 電気代 | ３００円 |" in first
    # vertical columns read right to left, without spaces between the characters
    assert vertical.index("縦書きの段落です。") < vertical.index("組合員の協力で進めた。")
    assert sjis == "シフトJISの明朝体で書いた頁です。"


def test_docx_headings_paragraphs_table(files: Path) -> None:
    doc = extract(files / "dx.docx", max_bytes=BIG)
    assert doc.title == "デジタル化の事例"
    md = doc.markdown
    assert md.startswith("## 組合のDX")
    assert "長野県の組合でデジタル化を進めた。" in md
    assert "\\# 見出しではない行" in md  # plain text never becomes a heading
    assert "| ２０２２ | ３ |" in md


def test_xlsx_each_sheet_a_page(files: Path) -> None:
    doc = extract(files / "price.xlsx", max_bytes=BIG)
    assert doc.unit == "シート" and len(doc.pages) == 2
    assert doc.pages[0].startswith("## 価格転嫁")
    assert "| 労務費 | 12 |" in doc.pages[0]  # 12.0 read as the number it shows
    assert doc.pages[1].startswith("## 集計")


def test_pptx_each_slide_a_page(files: Path) -> None:
    doc = extract(files / "slides.pptx", max_bytes=BIG)
    assert doc.title == "脱炭素の進め方" and doc.unit == "スライド"
    assert doc.pages[0].split("\n\n") == [
        "## 脱炭素の進め方",
        "CO2排出量を算定する",
        "省エネ設備を導入する",
    ]
    assert doc.pages[1].startswith("## 次の一手")


def test_text_in_shift_jis(files: Path) -> None:
    doc = extract(files / "memo.txt", max_bytes=BIG)
    assert doc.title == "事業承継の相談メモ"
    assert "平成30年に始めた。" in doc.markdown


def test_markdown_headings_shifted_and_local_links_dropped(files: Path) -> None:
    md = extract(files / "note.md", max_bytes=BIG).markdown
    assert md.startswith("## 手引き")
    assert "### 深い見出し" in md  # ### after # becomes ### after ##, never a jump
    assert "図 を見る" in md and "fig.png" not in md
    assert "[外部](https://example.jp)" in md


def test_html_blocks_and_table_without_scripts(files: Path) -> None:
    doc = extract(files / "page.html", max_bytes=BIG)
    assert doc.title == "インボイス制度の説明"
    assert "## インボイス" in doc.markdown
    assert "適格請求書を&保存する。" in doc.markdown
    assert "| 標準 | 10% |" in doc.markdown
    assert "alert" not in doc.markdown and "p{}" not in doc.markdown


def test_shift_headings_never_skips_a_level() -> None:
    assert shift_headings("# a\n#### b\n## c") == "## a\n### b\n### c"
    assert shift_headings("```\n# code\n```\n# a") == "```\n# code\n```\n## a"


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("secret.pdf", lambda p: write_pdf(p, ["秘密の資料"], password="pw"), "パスワードで保護"),
        ("scan.pdf", lambda p: write_pdf(p, image_only=True), "文字情報がありません"),
        (
            "broken.pdf",
            lambda p: p.write_bytes(b"%PDF-1.4\nnot really"),
            "PDF ファイルとして読めません",
        ),
        (
            "broken.docx",
            lambda p: p.write_bytes(b"PK\x03\x04 broken"),
            "Word ファイルとして読めません",
        ),
        ("archive.zip", lambda p: p.write_bytes(b"PK"), "この種類のファイルは取り込めません"),
        ("empty.txt", lambda p: p.write_text("  \n"), "文字情報がありません"),
    ],
)
def test_unreadable_files_say_why_in_japanese(tmp_path: Path, name, make, message) -> None:
    path = tmp_path / name
    make(path)
    with pytest.raises(ExtractionError) as info:
        extract(path, shown=f"in/{name}", max_bytes=BIG)
    assert message in info.value.message
    assert info.value.path == f"in/{name}"
    assert info.value.hint


def test_file_over_the_size_limit(files: Path) -> None:
    with pytest.raises(ExtractionError) as info:
        extract(files / "bcp.pdf", max_bytes=100)
    assert "大きすぎます" in info.value.message and "KB_MAX_DOCUMENT_BYTES" in (
        info.value.hint or ""
    )
