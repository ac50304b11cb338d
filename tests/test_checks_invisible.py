"""Invisible-character rule of `kb check`: zero-width characters (warnings) and bidirectional
controls (errors), with file, line, column, field and a Japanese hint."""

from __future__ import annotations

from kb.checks.invisible import check_invisible
from tests.conftest import ContentTree
from tests.test_checks_structure import CASE_BODY, check


def test_each_character_is_named_at_its_line_column_and_field() -> None:
    lines = ["---", "id: x", "title: 事業\u200b継続", "---", "", "本文\u202eです\u202c。\ufeff"]
    found = check_invisible(lines, shown="x.md", fields={"id": 2, "title": 3}, body_line=5)
    assert [(f.severity, f.line, f.column, f.field, f.message) for f in found] == [
        ("warning", 3, 10, "title", "見えない文字があります: ゼロ幅スペース（U+200B）"),
        ("error", 6, 3, "body",
         "文字の向きを変える制御文字があります: 右から左への上書き（RLO）（U+202E）、"
         "方向の書式の終了（PDF）（U+202C）"),
        ("warning", 6, 8, "body",
         "見えない文字があります: ゼロ幅ノーブレークスペース（BOM）（U+FEFF）"),
    ]  # fmt: skip
    assert "検索で見つからない" in (found[0].hint or "") and "削除" in (found[1].hint or "")


def test_every_listed_character_is_found() -> None:
    chars = "\u200b\u200c\u200d\u2060\ufeff\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    for c in chars:
        assert check_invisible([f"a{c}b"], shown="x.md", fields={}, body_line=1), hex(ord(c))
    found = check_invisible(["a\u200bb\u200bc"], shown="x.md", fields={}, body_line=1)
    assert len(found) == 1 and found[0].message.endswith("（U+200B） ×2")
    assert (
        check_invisible(["普通の本文。", "改行\tタブ　全角空白"], shown="x", fields={}, body_line=1)
        == []
    )


def test_kb_check_reports_them_in_any_case(content: ContentTree) -> None:
    content.add("aichi-2023-zw", CASE_BODY.replace("共同で取り組んだ。", "共同\u200bで取り組んだ。"),
                visibility="internal", title="見えない\u2066文字")  # fmt: skip
    code, findings = check(content)
    assert code == 1  # the bidi control is an error
    mine = [(f["severity"], f["line"], f["column"], f["field"]) for f in findings
            if f["check"] == "invisible-characters"]  # fmt: skip
    text = (content.root / "cases" / "aichi-2023-zw.md").read_text(encoding="utf-8").split("\n")
    title_line = next(i for i, line in enumerate(text, 1) if line.startswith("title:"))
    body_line = next(i for i, line in enumerate(text, 1) if "共同\u200b" in line)
    assert mine == [("error", title_line, 12, "title"), ("warning", body_line, 3, "body")]
    code, _ = check(content, "--strict")
    assert code == 1
