"""kb.casefiles: which files are cases, how their paths are shown, how one is read."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.casefiles import case_files, display_path, read_text, select_files
from kb.errors import ContentError
from tests.conftest import ContentTree


def test_hidden_and_underscore_files_are_skipped(content: ContentTree) -> None:
    content.add("seen")
    content.write("cases/_drafts/draft.md", "not a case")
    content.write("cases/.hidden.md", "not a case")
    content.write("cases/notes.txt", "not a case")
    assert [p.name for p in case_files(content.root / "cases")] == ["seen.md"]


def test_a_missing_cases_folder_has_no_files(tmp_path: Path) -> None:
    assert case_files(tmp_path / "nowhere") == []


def test_paths_are_shown_from_the_content_folders_parent(tmp_path: Path) -> None:
    root = tmp_path / "content"
    assert display_path(root / "cases" / "a.md", root) == "content/cases/a.md"
    outside = tmp_path / "draft" / "b.md"
    assert display_path(outside, root) == "draft/b.md"
    assert display_path(Path("/elsewhere/c.md"), root) == "/elsewhere/c.md"


def test_selected_files_join_the_tree_once_however_spelt(content: ContentTree) -> None:
    tree = [content.add("one"), content.add("two")]
    other = content.root.parent / "draft.md"
    other.write_text("x", encoding="utf-8")
    spelt = content.root / "cases" / ".." / "cases" / "one.md"
    files, selected = select_files(tree, [spelt, other])
    assert sorted(p.name for p in files) == ["draft.md", "one.md", "two.md"]
    assert selected == {tree[0].resolve(), other.resolve()}
    assert select_files(tree, None) == (tree, None)


def test_text_is_read_with_bom_and_crlf_normalised(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_bytes("\ufeff一行目\r\n二行目\r三行目".encode())
    assert read_text(path, "a.md", 1000) == "一行目\n二行目\n三行目"


@pytest.mark.parametrize(
    ("raw", "message", "line"),
    [
        ("---\nタイトル\n".encode("shift_jis"), "UTF-8 ではない文字コード", 2),
        (b"---\nid: x\n\x00\x01", "バイナリファイル", 3),
        ("あ".encode() * 400, "ファイルが大きすぎます", None),
    ],
)
def test_unreadable_files_name_the_file_line_and_a_hint(
    tmp_path: Path, raw: bytes, message: str, line: int | None
) -> None:
    path = tmp_path / "bad.md"
    path.write_bytes(raw)
    with pytest.raises(ContentError) as info:
        read_text(path, "content/cases/bad.md", 1000)
    err = info.value
    assert message in err.message and err.path == "content/cases/bad.md"
    assert err.line == line and err.hint
