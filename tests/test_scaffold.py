"""`kb new`: proposed id, filled front matter, sections per kind; output passes `kb check`."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from kb.cli import main
from kb.scaffold import Draft, build
from kb.taxonomy import load_taxonomy
from tests.conftest import ContentTree

ARGS = ["--kind", "case", "--title", "共同受注によるDX推進", "--summary", "受発注を電子化した。", "--themes", "dx,bcp",
        "--prefecture", "愛知県", "--year", "2024", "--visibility", "public"]  # fmt: skip


def new(content: ContentTree, *args: str, input: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["new", "--content", str(content.root), *args], input=input)
    return result.exit_code, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("kind", "case_id", "headings"),
    [
        ("case", "aichi-2024-dx", ["背景", "取組", "成果", "今後の課題"]),
        ("qa", "aichi-2024-qa-dx", ["質問", "回答"]),
        ("material", "aichi-2024-material-dx", ["概要", "ポイント", "進め方", "参考"]),
    ],
)
def test_new_writes_a_file_that_passes_check(
    content: ContentTree, kind: str, case_id: str, headings: list[str]
) -> None:
    code, out = new(content, *ARGS, "--kind", kind)
    assert code == 0, out
    path = content.root / "cases" / "aichi" / f"{case_id}.md"
    text = path.read_text(encoding="utf-8")
    assert text.startswith(f"---\nid: {case_id}\ntitle: 共同受注によるDX推進\n")
    assert "themes: [dx, bcp]\nprefecture: 愛知県\nyear: 2024\nvisibility: public\n---\n" in text
    assert [line[3:] for line in text.splitlines() if line.startswith("## ")] == headings
    assert text.count("<!-- ") == len(headings) and text.count("（ここに記入）") == len(headings)
    result = CliRunner().invoke(main, ["check", "--content", str(content.root), "--format", "json"])
    data = json.loads(result.stdout)
    assert result.exit_code == 0 and data["errors"] == []
    assert {w["check"] for w in data["warnings"]} == {"structure"}  # the placeholders
    strict = CliRunner().invoke(main, ["check", "--content", str(content.root), "--strict"])
    assert strict.exit_code == 1  # CI refuses a case whose sections are not filled in


def test_id_is_made_unique(content: ContentTree) -> None:
    assert new(content, *ARGS)[0] == 0
    assert new(content, *ARGS)[0] == 0
    assert new(content, *ARGS, "--slug", "Kyodo Juchu")[0] == 0
    names = sorted(p.name for p in (content.root / "cases" / "aichi").iterdir())
    assert names == ["aichi-2024-dx-2.md", "aichi-2024-dx.md", "aichi-2024-kyodo-juchu.md"]


def test_id_slug_from_theme_when_title_has_no_latin_letters(content: ContentTree) -> None:
    tax = load_taxonomy(content.root)
    draft = Draft("事業承継の取組", "要約。", ["succession"], "全国", 2023)
    made = build(draft, tax, content.root)
    assert (made.id, made.rel) == ("zenkoku-2023-succession", "zenkoku/zenkoku-2023-succession.md")


def test_prompts_ask_for_missing_fields(content: ContentTree) -> None:
    answers = "\n".join(["組合の事例", "要約です。", "qa", "gx", "北海道", "2022", "internal"])
    code, out = new(content, input=answers + "\n")
    assert code == 0, out
    assert "タイトル" in out and "テーマ（DX・デジタル化、" in out
    text = (content.root / "cases" / "hokkaido" / "hokkaido-2022-qa-gx.md").read_text()
    assert "kind: qa\nthemes: [gx]\nprefecture: 北海道\nyear: 2022\nvisibility: internal\n" in text


def test_a_wrong_answer_is_asked_again(content: ContentTree) -> None:
    answers = ["組合の事例", "一。二。三。四。", "要約です。", "Q&A", "税金", "事業承継、ＤＸ", "大坂府",
               "大阪", "令和", "令和6年度", "公開"]  # fmt: skip
    code, out = new(content, "--stdout", input="\n".join(answers) + "\n")
    assert code == 0, out
    assert "要約は 3 文以内にしてください（いま 4 文）" in out
    assert "「税金」というテーマはありません。次から選んでください: DX・デジタル化、" in out
    assert "「大坂府」という都道府県はありません。もしかして「大阪府」ですか?" in out
    assert "年度は 2024 のような西暦か、令和6・平成30 のような和暦で書いてください" in out
    assert (
        "kind: qa\nthemes: [succession, dx]\nprefecture: 大阪府\nyear: 2024\nvisibility: public\n"
        in out
    )
    assert "Error" not in out and "content/" not in out


@pytest.mark.parametrize(
    ("option", "value", "written"),
    [
        ("--kind", "事例", "kind: case"), ("--kind", "質疑応答", "kind: qa"),
        ("--kind", "指導資料", "kind: material"), ("--visibility", "公開", "visibility: public"),
        ("--visibility", "内部", "visibility: internal"), ("--year", "令和6年度", "year: 2024"),
        ("--year", "R6", "year: 2024"), ("--year", "平成30", "year: 2018"),
        ("--year", "２０２４年", "year: 2024"), ("--themes", "事業承継", "themes: [succession]"),
        ("--prefecture", "愛知", "prefecture: 愛知県"), ("--published", "令和6年3月15日", "published: 2024-03-15"),
        ("--tags", "価格交渉、共同受注", "tags: [価格交渉, 共同受注]"),
    ],
)  # fmt: skip
def test_japanese_labels_and_eras_are_accepted(
    content: ContentTree, option: str, value: str, written: str
) -> None:
    code, out = new(content, *ARGS, option, value, "--stdout")
    assert code == 0, out
    assert written + "\n" in out


def test_bad_options_are_refused_without_a_terminal(content: ContentTree) -> None:
    code, out = new(content, *ARGS, "--prefecture", "愛知件", "--year", "1980")
    assert code == 1
    assert "--prefecture: 「愛知件」という都道府県はありません。もしかして「愛知県」ですか?" in out
    assert "--year: 年度は 1990〜2100 年の間で書いてください（入力: 1980）" in out
    assert "2 個の項目が正しくないため作成しませんでした" in out
    assert "content/cases" not in out  # no file that does not exist is cited
    assert not (content.root / "cases" / "unknown").exists()


def test_without_a_terminal_it_says_which_option_to_use(content: ContentTree) -> None:
    code, out = new(content, "--title", "組合の事例")  # no input at all: stdin is empty
    assert code == 1
    assert "入力できる端末がないため、要約を尋ねられません" in out
    assert "--summary で指定してください" in out
    assert "Aborted" not in out


def test_values_needing_quotes_round_trip(content: ContentTree) -> None:
    code, out = new(content, *ARGS, "--title", "DX: 受発注の #電子化 'その1'", "--stdout")
    assert code == 0, out
    assert "title: 'DX: 受発注の #電子化 ''その1'''\n" in out
