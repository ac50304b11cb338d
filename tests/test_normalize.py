"""kb.normalize: terms of tricky strings, offsets into the original text (no server)."""

from __future__ import annotations

import pytest

from kb.normalize import Normalizer, fold_term, get_normalizer, sentences


@pytest.fixture(scope="module")
def n() -> Normalizer:
    return get_normalizer()


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("ＤＸ推進", ["dx", "推進"]),
        ("ｄｘ", ["dx"]),
        ("ＳＤＧｓ宣言", ["sdgs", "宣言"]),
        ("ｻｰﾊﾞｰ", ["サーバ"]),
        ("サーバ", ["サーバ"]),
        ("打合せ", ["打ち合わせ"]),
        ("取組み", ["取り組み"]),
        ("申込", ["申し込み"]),
        ("コンピューター", ["コンピュータ"]),
        ("シュミレーション", ["シミュレーション"]),
        ("ヴァイオリン", ["バイオリン"]),
        ("令和５年度", ["令和", "5", "年度"]),
        ("中小企業組合", ["中小", "企業", "組合"]),
        ("働き方改革", ["働き", "方", "改革"]),  # the verb inside the compound: 連用形
        ("はたらき方", ["働き", "方"]),
        ("働きかた", ["働き", "方"]),
        ("京都府と東京都", ["京都", "府", "東京", "都"]),
        ("", []),
        ("　\n\t", []),
        ("、。！？「」（）", []),
    ],
)
def test_terms(n: Normalizer, text: str, terms: list[str]) -> None:
    assert n.terms(text) == terms


def test_units_keep_compounds_together_and_offsets_point_into_the_original(n: Normalizer) -> None:
    text = "全角のＤＸと中小企業組合"
    units = n.units(text)
    assert [u.terms for u in units] == [("全角",), ("dx",), ("中小", "企業"), ("組合",)]
    for unit in units:
        for tok in unit.tokens:
            assert text[tok.start : tok.end]  # non-empty span in the original
    assert text[units[1].start : units[1].end] == "ＤＸ"
    assert text[units[2].start : units[3].end] == "中小企業組合"


def test_half_width_katakana_offsets(n: Normalizer) -> None:
    text = "共同ｻｰﾊﾞｰを導入"
    (unit,) = [u for u in n.units(text) if u.terms == ("サーバ",)]
    assert text[unit.start : unit.end] == "ｻｰﾊﾞｰ"


def test_long_text_is_split_and_offsets_stay_global(n: Normalizer) -> None:
    text = "あ。" * 2500 + "ＤＸ"
    units = n.units(text)
    assert units[-1].terms == ("dx",) and text[units[-1].start : units[-1].end] == "ＤＸ"


@pytest.mark.parametrize(
    ("form", "folded"),
    [
        ("ＡＢＣ", "abc"),
        ("コンピューター", "コンピュータ"),
        ("ヴェール", "ベール"),
        ("カー", "カー"),
        ("データ", "データ"),
    ],
)
def test_fold_term(form: str, folded: str) -> None:
    assert fold_term(form) == folded


def test_sentences_split_on_ends_and_lines() -> None:
    text = "一文目。二文目！\n三行目\n\n最後"
    assert [text[a:b] for a, b in sentences(text)] == ["一文目。", "二文目！", "三行目\n", "最後"]
    assert sentences("") == [] and sentences("\n\n") == []
