"""kb.query: the instructor's query through the documents' normalizer (no server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.documents import Analyzer
from kb.query import Term, parse_query
from kb.taxonomy import load_taxonomy

CONTENT = Path(__file__).resolve().parent.parent / "content"


@pytest.fixture(scope="module")
def a() -> Analyzer:
    return Analyzer.create(load_taxonomy(CONTENT))


def concept(a: Analyzer, word: str) -> str:
    c = a.thesaurus.concept(word, a.normalizer)
    assert c
    return c


def test_empty_and_blank_queries(a: Analyzer) -> None:
    for text in ("", "   ", "、。"):
        assert parse_query(text, a).empty
    assert parse_query("", a).meili == ""


def test_words_become_phrases_of_their_terms(a: Analyzer) -> None:
    q = parse_query("中小企業の打合せ", a)
    assert q.terms == (Term(phrase=("中小", "企業")), Term(phrase=("打ち合わせ",)))
    assert q.meili == '"中小 企業" 打ち合わせ'


def test_width_variants_give_the_same_query(a: Analyzer) -> None:
    assert (
        parse_query("ＤＸ", a).meili == parse_query("dx", a).meili == parse_query("ｄｘ", a).meili
    )


def test_synonyms_become_quoted_concept_tokens(a: Analyzer) -> None:
    dx = concept(a, "DX")
    assert parse_query("デジタルトランスフォーメーション", a).meili == f'"{dx}"'
    assert parse_query("ＢＣＰ", a).terms == (Term(concept=concept(a, "事業継続計画")),)


def test_stop_words_dropped_only_when_something_else_remains(a: Analyzer) -> None:
    assert parse_query("BCPの事例を教えて", a).terms == (Term(concept=concept(a, "BCP")),)
    # nothing but stop words: keep them, or the query would be empty
    assert parse_query("事例", a).terms == (Term(phrase=("事例",)),)
    assert not parse_query("事例について教えて", a).empty


def test_repeated_words_are_asked_once(a: Analyzer) -> None:
    assert len(parse_query("ＤＸ DX デジタル化", a).terms) == 1


def test_quotes_and_operators_are_parsed_not_passed_raw(a: Analyzer) -> None:
    q = parse_query('"組合" -除外 OR 加入 "未完', a)
    for meili in q.expansions():
        assert meili.count('"') % 2 == 0
        assert meili.count("-") == 1 and meili.endswith("-除外")
    assert [t.label for t in q.excluded] == ["除外"]


def test_or_between_words_gives_one_search_per_alternative(a: Analyzer) -> None:
    q = parse_query("輸出 OR 越境EC 事業承継", a)
    assert len(q.groups) == 2 and len(q.groups[0]) == 2
    assert q.expansions() == [
        f'輸出 "{concept(a, "事業承継")}"',
        f'"{concept(a, "越境EC")}" "{concept(a, "事業承継")}"',
    ]
    assert q.alternatives
    # a word of several terms on either side is one alternative
    both = parse_query("共同受注 OR 人材育成", a)
    assert len(both.groups) == 1 and len(both.groups[0]) == 2
    # 全角の ＯＲ and ｜ work too
    assert len(parse_query("輸出 ＯＲ 越境EC", a).groups) == 1
    assert len(parse_query("輸出｜越境EC", a).groups) == 1
    # 後継者不足 = 後継者 (a synonym) + 不足: both, as one alternative
    succession = parse_query("後継者不足 OR 人手不足", a)
    assert succession.expansions()[0] == f'"{concept(a, "後継者")}" 不足'
    assert [t.label for t in succession.terms][:2] == ["後継者", "不足"]


def test_minus_word_is_excluded_and_not_required(a: Analyzer) -> None:
    q = parse_query("事業承継 -税制 －建設", a)
    assert [t.label for t in q.excluded] == ["税制", "建設"]
    assert q.meili == f'"{concept(a, "事業承継")}" -税制 -建設'
    assert len(q.groups) == 1


def test_quoted_words_are_an_exact_phrase_without_synonyms(a: Analyzer) -> None:
    q = parse_query("“事業承継税制”", a)
    assert q.terms == (Term(phrase=("事業", "承継", "税制")),)
    assert q.meili == '"事業 承継 税制"'


def test_unknown_compound_is_searched_as_written(a: Analyzer) -> None:
    # 事業承経 (a typo) = 事業 / 承 / 経: not three loose words of which two are one kanji
    assert parse_query("事業承経", a).meili == '"事業 承 経"'
    # a synonym written with a one-character unit stays the synonym
    assert parse_query("適格請求書等保存方式", a).terms[0].concept


def test_lone_kana_is_dropped_when_other_words_remain(a: Analyzer) -> None:
    q = parse_query("取引先に値上げをお願いしたい", a)
    assert [t.label for t in q.terms] == ["取引先", "値上げ"]
    assert "値上げ" in q.meili


def test_kana_words_become_readings(a: Analyzer) -> None:
    for kana in ("ながいせつめい", "ナガイセツメイ"):
        assert parse_query(kana, a).terms == (Term(reading="nagaisetsumei"),)
    assert parse_query("せつめいかい", a).meili == "setsumeikai"
    # real kana words stay words (Sudachi knows them)
    assert parse_query("ものづくり", a).terms[0].phrase
    assert parse_query("ひきつぎ", a).terms[0].phrase
    # short kana words are too ambiguous to read
    assert not any(t.reading for t in parse_query("ちゃば", a).terms)


def test_region_and_prefecture_words_become_places(a: Analyzer) -> None:
    q = parse_query("事業承継 東北", a)
    assert [(p.field, p.value) for p in q.places] == [("region", "北海道・東北")]
    assert [t.label for t in q.terms] == ["事業承継"]
    assert q.without_place(q.places[0]) == "事業承継"
    assert [(p.field, p.value) for p in parse_query("福井 事業承継", a).places] == [
        ("prefecture", "福井県")
    ]
    assert [p.value for p in parse_query("中国地方の再エネ", a).places] == ["中国"]
    assert [p.value for p in parse_query("九州 人手不足", a).places] == ["九州・沖縄"]
    assert parse_query("東北", a).terms == ()
    # areas that are not one region: their prefectures
    hokuriku = parse_query("北陸 DX", a).places
    assert [p.value for p in hokuriku] == ["新潟県", "富山県", "石川県", "福井県"]
    assert {p.word for p in hokuriku} == {"北陸"}


def test_china_is_a_word_offered_as_region_unless_abroad(a: Analyzer) -> None:
    alone = parse_query("中国 展示会", a)
    assert not alone.places and [o.value for o in alone.offers] == ["中国"]
    assert "中国" in alone.meili
    export = parse_query("中国 輸出", a)
    assert not export.places and not export.offers and "中国" in export.meili


def test_long_query_is_cut(a: Analyzer) -> None:
    q = parse_query("組合" * 400, a)
    assert len(q.text) == 500


def test_precision_kyoto_is_not_tokyo(a: Analyzer) -> None:
    assert a.normalizer.terms("京都") == ["京都"]
    assert "京都" not in a.normalizer.terms("東京都")
    assert [p.value for p in parse_query("京都", a).places] == ["京都府"]


def test_loosened_takes_word_forming_suffixes_off(a: Analyzer) -> None:
    loose = parse_query("効率化", a).loosened()
    assert loose is not None and loose.meili == "効率" and loose.text == "効率化"
    assert parse_query("多様性 効率的", a).loosened().meili == "多様 効率"  # type: ignore[union-attr]
    # a suffix standing as a word of its own goes, unless it is all there is
    robot = parse_query("ロボット化", a)
    assert [t.phrase for t in robot.terms] == [("ロボット",), ("化",)]
    assert robot.loosened().meili == "ロボット"  # type: ignore[union-attr]
    assert parse_query("化", a).loosened() is None
    # nothing to take off, or a synonym concept (デジタル化 = DX): no looser query
    assert parse_query("価格転嫁 京都", a).loosened() is None
    assert parse_query("デジタル化", a).loosened() is None


@pytest.mark.parametrize(
    ("kana", "word"),
    [("じぎょうしょうけい", "事業承継"), ("ジギョウショウケイ", "事業承継"),
     ("がいこくじんざい", "外国人材"), ("でじたるか", "デジタル化"),
     # Sudachi reads 人手不足 ヒトデフソク; people say and type ひとでぶそく
     ("ひとでぶそく", "人手不足"), ("ひとでふそく", "人手不足")],
)  # fmt: skip
def test_kana_reading_of_a_vocabulary_word_is_searched_as_that_word(
    a: Analyzer, kana: str, word: str
) -> None:
    # the word's synonyms and broader-term concepts come with it (外国人材 finds 技能実習生)
    q = parse_query(kana, a)
    assert q.terms == parse_query(word, a).terms and q.terms
    assert {t.label for t in q.terms} == {kana}
    assert not any(t.reading for t in q.terms)
