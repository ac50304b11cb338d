"""`kb check` output formats, --strict and --changed-since (real git in a temp repo)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from click.testing import CliRunner

from kb.cli import main
from tests.conftest import ContentTree
from tests.test_checks_duplicates import OTHER_BODY
from tests.test_checks_structure import CASE_BODY

PHONE = CASE_BODY.replace("成果が出た。", "電話 052-123-4567")


def run(content: ContentTree, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["check", "--content", str(content.root), *args])
    return result.exit_code, result.stdout, result.stderr


def test_text_format_is_japanese_with_file_and_line(content: ContentTree) -> None:
    content.add("aichi-2023-a", PHONE)
    code, out, err = run(content)
    assert code == 0
    assert out.strip() == (
        "content/cases/aichi-2023-a.md:19:4: [警告] 個人情報の可能性があります（電話番号）: 「052-123-4567」 "
        "(公開（public）事例には個人を特定できる情報を書けません。削除するか「組合員Ａ社」「担当者」などに"
        "置き換えるか、visibility を internal にしてください)"
    )
    assert "エラー 0 件、警告 1 件（正常に読めた事例 1 件）" in err


def test_github_format_uses_warning_and_error_annotations(content: ContentTree) -> None:
    content.add("aichi-2023-a", PHONE)
    content.add("aichi-2023-b", CASE_BODY, year=1980)
    code, out, _ = run(content, "--format", "github")
    assert code == 1
    lines = out.strip().splitlines()
    assert lines[0].startswith(
        "::warning file=content/cases/aichi-2023-a.md,line=19,col=4,title=kb check::"
        "個人情報の可能性があります（電話番号）"
    )
    assert lines[1].startswith(
        "::error file=content/cases/aichi-2023-b.md,line=8,title=kb check: year::"
        "1990〜2100 の年度で指定してください"
    )
    _, strict, _ = run(content, "--format", "github", "--strict")
    assert strict.startswith("::error file=content/cases/aichi-2023-a.md,line=19,col=4")


def test_json_format(content: ContentTree) -> None:
    content.add("aichi-2023-a", PHONE)
    code, out, _ = run(content, "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert data["ok"] is True and data["cases"] == 1 and data["errors"] == []
    assert data["warnings"][0]["check"] == "personal-data"
    assert data["warnings"][0]["line"] == 19


def git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def test_changed_since_checks_changed_files_and_the_whole_collection_for_duplicates(
    content: ContentTree, tmp_path: Path
) -> None:
    old = OTHER_BODY.replace("一覧にした。", "一覧にした（052-123-4567）。")
    content.add("aichi-2023-old", old)  # committed: its warning is not reported
    content.add("aichi-2023-dup", CASE_BODY)
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@example.jp", "add", ".")
    git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@example.jp", "commit", "-qm", "base")
    content.add("aichi-2023-new", CASE_BODY, year=1980)  # untracked, invalid
    content.add("aichi-2023-dup2", CASE_BODY, title="別の題")  # new, a copy of -dup
    code, out, _ = run(content, "--changed-since", "main", "--format", "json")
    data = json.loads(out)
    assert code == 1
    paths = sorted({f["path"] for f in data["errors"] + data["warnings"]})
    assert paths == ["content/cases/aichi-2023-dup2.md", "content/cases/aichi-2023-new.md"]
    dup = [f for f in data["warnings"] if f["check"] == "near-duplicate"]
    assert [f["path"] for f in dup] == ["content/cases/aichi-2023-dup2.md"]
    assert "content/cases/aichi-2023-dup.md" in dup[0]["message"]


def test_changed_since_bad_ref_is_a_clear_error(content: ContentTree, tmp_path: Path) -> None:
    content.add("aichi-2023-a", CASE_BODY)
    git(tmp_path, "init", "-q")
    code, _, err = run(content, "--changed-since", "origin/nothing")
    assert code == 1
    assert "エラー: git diff" in err
    assert "--changed-since の参照（origin/nothing）が存在するか確認してください" in err
