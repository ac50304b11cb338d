"""Front matter proposed from an imported document's text."""

from __future__ import annotations

import pytest

from kb.proposals import guess_prefecture, guess_themes, guess_year, propose, summarize, years
from kb.taxonomy import load_taxonomy
from tests.conftest import CONTENT

TAX = load_taxonomy(CONTENT)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("令和５年度の計画", [2023]),
        ("令和元年に設立", [2019]),
        ("平成３０年度", [2018]),
        ("２０２２年３月", [2022]),
        ("R4年度 事業報告", [2022]),
        ("1989年と2150年", []),  # outside 1990-2100
    ],
)
def test_years_in_every_spelling(text: str, expected: list[int]) -> None:
    assert years(text) == expected


def test_year_from_title_then_text_then_file_name() -> None:
    assert guess_year("令和４年度 手引き", "2023年に改訂", "x.pdf") == 2022
    assert guess_year("手引き", "2021年。令和５年。2023年。", "x.pdf") == 2023  # most named
    assert guess_year("手引き", "日付なし", "2020_report.pdf") == 2020
    assert guess_year("手引き", "日付なし", "report.pdf") is None


def test_themes_from_labels_and_synonyms() -> None:
    text = "事業継続計画（ＢＣＰ）を策定し、ＢＣＰ訓練を行った。デジタル化も進めた。"
    assert guess_themes(text, TAX) == ["bcp", "dx"]
    assert guess_themes("特に関係のない文章", TAX) == []


def test_prefecture_named_most_or_first() -> None:
    assert guess_prefecture("愛知県の組合。愛知県内で。大阪府にも", TAX) == "愛知県"
    assert guess_prefecture("京都府と奈良県の連携", TAX) == "京都府"
    assert guess_prefecture("全国の組合", TAX) is None


def test_summary_is_one_or_two_sentences_without_the_title() -> None:
    text = "手引き\n第一文です。第二文です。第三文です。"
    assert summarize(text, "手引き") == "第一文です。第二文です。"
    long = "あ" * 300 + "。"
    assert len(summarize(long)) <= 120


def test_unguessable_fields_are_listed_and_given_valid_values() -> None:
    p = propose(title=None, text="特に何もない文章です。", file_name="memo.txt", taxonomy=TAX,
                themes=None, prefecture=None, fallback_year=2024)  # fmt: skip
    assert p.title == "memo"
    assert p.unsure == ["year", "themes", "prefecture"]
    assert p.year == 2024 and p.prefecture == "全国" and p.themes[0] in TAX.themes


def test_flags_win_over_guesses() -> None:
    p = propose(title="愛知県のＤＸ", text="令和３年", file_name="a.pdf", taxonomy=TAX,
                themes=["gx"], prefecture="長野県")  # fmt: skip
    assert (p.themes, p.prefecture, p.year, p.unsure) == (["gx"], "長野県", 2021, [])
