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


def test_quotes_and_operators_never_reach_meilisearch_raw(a: Analyzer) -> None:
    meili = parse_query('"組合" -除外 OR 加入', a).meili
    assert meili.count('"') % 2 == 0 and "-" not in meili


def test_long_query_is_cut(a: Analyzer) -> None:
    q = parse_query("組合" * 400, a)
    assert len(q.text) == 500


def test_precision_kyoto_is_not_tokyo(a: Analyzer) -> None:
    kyoto = parse_query("京都", a).terms
    assert kyoto == (Term(phrase=("京都",)),)
    assert "京都" not in a.normalizer.terms("東京都")


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
