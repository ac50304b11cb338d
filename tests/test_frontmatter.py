"""kb.frontmatter: header/body split, file line numbers, safe YAML only."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.errors import ContentError
from kb.frontmatter import parse

P = Path("content/cases/x.md")


def test_split_keeps_key_lines_and_body_position() -> None:
    fm = parse("---\nid: x\ntitle: 題\ntags: [a, b]\n---\n\n## 背景\n本文\n", P)
    assert fm.data == {"id": "x", "title": "題", "tags": ["a", "b"]}
    assert fm.lines == {"id": 2, "title": 3, "tags": 4}
    assert fm.end_line == 5 and fm.body_line == 6
    assert fm.body == "\n## 背景\n本文\n"


def test_empty_front_matter_is_an_empty_mapping() -> None:
    fm = parse("---\n---\n本文", P)
    assert fm.data == {} and fm.body == "本文"


def test_dates_are_parsed() -> None:
    fm = parse("---\npublished: 2024-03-15\n---\nx", P)
    assert str(fm.data["published"]) == "2024-03-15"


@pytest.mark.parametrize(
    ("text", "line", "start"),
    [
        ("本文だけ\n", 1, "ファイルの先頭に front matter"),
        ("---\nid: x\n", 1, "front matter を閉じる"),
        ("---\n- a\n- b\n---\nx", 2, "front matter は「項目名: 値」"),
        ("---\nid: x\ntitle: [a\n---\nx", 4, "YAML の書式エラー"),
        ("---\nid: x\nid: y\n---\nx", 3, "同じ項目が2回"),
        ("---\nid: x\nt: !!python/object/apply:os.system [echo]\n---\nx", 3, "使えない YAML タグ"),
        ("---\nid: x\nt: !!python/name:os.system\n---\nx", 3, "使えない YAML タグ"),
        ("---\na: &a [1]\nb: *a\n---\nx", 2, "YAML のアンカー/エイリアス"),
    ],
)
def test_refusals_carry_the_file_line(text: str, line: int, start: str) -> None:
    with pytest.raises(ContentError) as info:
        parse(text, P)
    assert info.value.line == line and info.value.path == str(P)
    assert info.value.message.startswith(start)


def test_billion_laughs_is_refused_before_expansion() -> None:
    lines = ["---", 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 12):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    with pytest.raises(ContentError) as info:
        parse("\n".join([*lines, "---", "x"]), P)
    assert "アンカー" in info.value.message


def test_tab_indentation_error_has_a_hint() -> None:
    with pytest.raises(ContentError) as info:
        parse("---\nid: x\ntags:\n\t- a\n---\nx", P)
    assert info.value.hint and "インデント" in info.value.hint
    assert info.value.line is not None and info.value.line >= 3


@pytest.mark.parametrize(
    ("text", "line", "start"),
    [
        # a second document: the whole stream is read, so its syntax error is reported
        ("---\nid: x\n--- y\ntitle: [a\n---\nx", 4, "YAML の書式エラー"),
        ("---\nid: x\n...\n%YAML 1.1\n---\nx", 5, "YAML の書式エラー"),
        ("---\nid: x\nlist: [a, b]\nn: 2 * 3\n---\nx", 0, ""),  # "*" not as an alias: fine
    ],
)
def test_documents_and_stars_in_front_matter(text: str, line: int, start: str) -> None:
    if not start:
        assert parse(text, P).data == {"id": "x", "list": ["a", "b"], "n": "2 * 3"}
        return
    with pytest.raises(ContentError) as info:
        parse(text, P)
    assert info.value.line == line and info.value.message.startswith(start)
