"""content/targets.yml: the schema, its Japanese errors with line and field, and `kb check`."""

from __future__ import annotations

from click.testing import CliRunner

from kb.cli import main
from kb.targets import check_targets, load_targets
from kb.taxonomy import load_taxonomy
from tests.conftest import CONTENT, ContentTree


def problems(content: ContentTree, text: str) -> list[str]:
    content.write("targets.yml", text)
    _, found = check_targets(content.root, load_taxonomy(content.root))
    return [str(p) for p in found]


def test_the_projects_targets_are_valid_and_hold_the_plans_figures() -> None:
    targets = load_targets(CONTENT, load_taxonomy(CONTENT))
    assert targets.electronic_files == 2000
    assert targets.kinds == {"qa": 200}
    assert set(targets.themes) == set(load_taxonomy(CONTENT).themes)


def test_no_file_means_no_targets(content: ContentTree) -> None:
    targets, found = check_targets(content.root, load_taxonomy(content.root))
    assert found == [] and targets.electronic_files is None and targets.themes == {}


def test_every_problem_names_file_line_and_field(content: ContentTree) -> None:
    found = problems(
        content,
        "plan: 計画\n"  # 1
        "electronic_files: 二千\n"  # 2
        "kinds:\n"  # 3
        "  qa: 0\n"  # 4
        "themes:\n"  # 5
        "  dx: 10\n"  # 6
        "  succesion: 5\n"  # 7
        "targetz: 1\n",  # 8
    )
    assert found == [
        "content/targets.yml:2: electronic_files: 整数で指定してください（例: 200）（指定値: '二千'） "
        "(content/targets.yml の見本（先頭のコメント）を参照してください)",
        "content/targets.yml:4: kinds.qa: 1 以上の整数で指定してください（指定値: 0） "
        "(content/targets.yml の見本（先頭のコメント）を参照してください)",
        "content/targets.yml:8: targetz: 未知の項目です "
        "(content/targets.yml の見本（先頭のコメント）を参照してください)",
    ]
    # unknown theme keys are reported once the shapes are right, with a suggestion
    found = problems(content, "themes:\n  dx: 10\n  succesion: 5\nkinds:\n  faq: 3\n")
    assert found[0].startswith(
        "content/targets.yml:5: kinds.faq: 種別 'faq' は content/taxonomy.yml にありません"
    )
    assert found[1].startswith(
        "content/targets.yml:3: themes.succesion: テーマ 'succesion' は content/taxonomy.yml "
        "にありません。もしかして「succession」?"
    )
    assert "使える値: dx, gx," in found[1]


def test_bad_yaml_and_wrong_shapes(content: ContentTree) -> None:
    assert problems(content, "themes: [dx\n")[0].startswith(
        "content/targets.yml:2: YAML の書式エラー"
    )
    found = problems(content, "themes: [dx, gx]\n")
    assert found[0].startswith("content/targets.yml:1: themes: 「キー: 件数」の対応表で指定して")
    assert problems(content, "electronic_files: 2000.5\n")[0].startswith(
        "content/targets.yml:1: electronic_files: 整数で指定してください"
    )
    assert problems(content, "electronic_files: true\n")[0].startswith(
        "content/targets.yml:1: electronic_files: 整数で指定してください"
    )
    assert problems(content, "") == []


def test_kb_check_reports_targets_problems(content: ContentTree) -> None:
    content.write("targets.yml", "kinds:\n  qa: -5\n")
    result = CliRunner().invoke(main, ["check", "--content", str(content.root)])
    assert result.exit_code == 1
    assert "content/targets.yml:2: kinds.qa: 1 以上の整数で指定してください" in result.stdout
    content.write("targets.yml", "kinds:\n  qa: 5\n")
    result = CliRunner().invoke(main, ["check", "--content", str(content.root)])
    assert result.exit_code == 0, result.stdout
