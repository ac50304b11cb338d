"""Markdown structure rules of `kb check`: sections per kind, heading levels, links, images."""

from __future__ import annotations

import json

from click.testing import CliRunner

from kb.cli import main
from tests.conftest import ContentTree

CASE_BODY = """\
## 背景
組合の背景。

## 取組
共同で取り組んだ。

## 成果
成果が出た。

## 今後の課題
課題が残る。
"""


def check(content: ContentTree, *args: str) -> tuple[int, list[dict[str, object]]]:
    result = CliRunner().invoke(
        main, ["check", "--format", "json", "--content", str(content.root), *args]
    )
    data = json.loads(result.stdout)
    return result.exit_code, data["errors"] + data["warnings"]


def messages(findings: list[dict[str, object]], check_name: str = "structure") -> list[tuple]:
    return [(f["message"], f["path"], f["line"]) for f in findings if f["check"] == check_name]


def test_complete_case_passes(content: ContentTree) -> None:
    content.add("aichi-2023-ok", CASE_BODY)
    code, findings = check(content)
    assert code == 0
    assert messages(findings) == []


def test_missing_section_is_an_error_at_the_body(content: ContentTree) -> None:
    content.add("aichi-2023-nokadai", CASE_BODY.replace("## 今後の課題\n課題が残る。\n", ""))
    code, findings = check(content)
    assert code == 1
    # the fences are lines 1 and 10; the body starts at line 11 (a blank line)
    assert messages(findings) == [
        ("必須の見出し「## 今後の課題」がありません", "content/cases/aichi-2023-nokadai.md", 11)
    ]


def test_qa_needs_question_and_answer(content: ContentTree) -> None:
    content.add("aichi-2023-qa-x", "## 質問\n何ですか。\n", kind="qa")
    code, findings = check(content)
    assert code == 1
    assert [m for m, _, _ in messages(findings)] == ["必須の見出し「## 回答」がありません"]
    content.add("aichi-2023-qa-x", "## 質問\n何ですか。\n\n## 回答\nこうです。\n", kind="qa")
    assert check(content)[0] == 0


def test_material_section_with_suffix_counts(content: ContentTree) -> None:
    body = "## 概要\na\n## ポイント\nb\n## 進め方（チェックリスト）\nc\n## 参考\nd\n"
    content.add("zenkoku-2023-material-x", body, kind="material", prefecture="全国")
    assert messages(check(content)[1]) == []


def test_material_sections_are_one_warning_and_an_error_under_strict(content: ContentTree) -> None:
    body = "## 概要\n資料の内容。\n\n表やスライドの文字。\n"
    content.add("zenkoku-2023-material-y", body, kind="material", prefecture="全国")
    code, findings = check(content)
    assert code == 0  # imported material is accepted as it is
    (finding,) = [f for f in findings if f["check"] == "structure"]
    assert finding["severity"] == "warning"
    assert finding["message"] == "見出し「## ポイント」「## 進め方」「## 参考」がありません"
    code, findings = check(content, "--strict")
    assert code == 1 and [f["severity"] for f in findings if f["check"] == "structure"] == ["error"]


def test_section_with_only_a_comment_is_empty(content: ContentTree) -> None:
    content.add("aichi-2023-empty", CASE_BODY.replace("成果が出た。", "<!-- 数字で書く -->"))
    code, findings = check(content)
    assert code == 1
    assert messages(findings) == [
        ("「成果」の本文が空です", "content/cases/aichi-2023-empty.md", 18)
    ]


def test_placeholder_is_a_warning_and_an_error_under_strict(content: ContentTree) -> None:
    content.add("aichi-2023-ph", CASE_BODY.replace("成果が出た。", "（ここに記入）"))
    code, findings = check(content)
    assert code == 0
    expected = ("「成果」に未記入のひな形の文言「（ここに記入）」が残っています",
                "content/cases/aichi-2023-ph.md", 19)  # fmt: skip
    assert messages(findings) == [expected]
    assert findings[0]["severity"] == "warning"
    code, findings = check(content, "--strict")
    assert code == 1
    assert findings[0]["severity"] == "error"


def test_level_one_heading_and_skipped_levels(content: ContentTree) -> None:
    body = "# 大見出し\n" + CASE_BODY.replace("共同で取り組んだ。", "#### 細目\n共同で取り組んだ。")
    content.add("aichi-2023-levels", body)
    code, findings = check(content)
    assert code == 1
    assert messages(findings) == [
        (
            "本文に「# 大見出し」（レベル1の見出し）は使えません",
            "content/cases/aichi-2023-levels.md",
            12,
        ),
        (
            "見出しのレベルが飛んでいます（## の次に #### 細目）",
            "content/cases/aichi-2023-levels.md",
            17,
        ),
    ]


def test_required_section_at_wrong_level(content: ContentTree) -> None:
    content.add("aichi-2023-h3", CASE_BODY.replace("## 成果", "### 成果"))
    assert messages(check(content)[1]) == [
        ("見出し「成果」は ## の見出しにしてください", "content/cases/aichi-2023-h3.md", 18)
    ]


def test_links_to_missing_files_and_large_images(content: ContentTree) -> None:
    content.write("cases/files/ok.txt", "x")
    content.write("cases/files/small.png", b"\x89PNG" + b"0" * 100)
    content.write("cases/files/big.png", b"\x89PNG" + b"0" * 600_000)
    body = CASE_BODY.replace(
        "共同で取り組んだ。",
        "[資料](files/ok.txt) と [外部](https://example.jp/) と [見出し](#成果)\n"
        "![小](files/small.png)\n"
        "[無い資料](files/missing.pdf)\n"
        "![大](files/big.png)\n"
        "```\n[コード内](nothing.txt)\n```",
    )
    content.add("aichi-2023-links", body)
    code, findings = check(content)
    assert code == 1
    shown = "content/cases/aichi-2023-links.md"
    assert messages(findings) == [
        ("リンク先のファイルがありません: files/missing.pdf", shown, 18),
        ("画像が大きすぎます: files/big.png（600,004 バイト、上限 500,000 バイト）", shown, 19),
    ]
    assert findings[0]["column"] == 1


def test_headings_of_plain_bodies_match_the_markdown_parser() -> None:
    """Bodies of paragraphs and "## 見出し" lines skip the Markdown parser: same headings."""
    from kb.checks.structure import _headings, _parsed_headings

    bodies = [
        CASE_BODY,
        "## 背景\n2019年に始めた。\n## 取組\u3000\n#\tタブ\n##\n### 小見出し\n本文 # 途中",
        "## 背景\n1. 一つ目\n## 取組",  # a list: parsed
        "## 背景\n本文\n---\n## 取組",  # a setext heading: parsed
        "## C# の話\n```\n## コード\n```\n> ## 引用\n    ## 字下げ\n - ## 項目\n## 成果 ##",
        "本文\n===\n####### 七\n#5 番号\n\n## 末尾\n",
    ]
    for body in bodies:
        assert _headings(body) == _parsed_headings(body)
    assert [(h.level, h.text, h.line) for h in _headings(bodies[1])] == [
        (2, "背景", 0), (2, "取組", 2), (1, "タブ", 3), (2, "", 4), (3, "小見出し", 5),
    ]  # fmt: skip
    assert [h.text for h in _headings(bodies[4])] == ["C# の話", "引用", "項目", "成果"]
