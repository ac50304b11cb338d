"""kb.thesaurus: synonym groups as concept tokens, matches aligned to whole words."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.normalize import Normalizer, get_normalizer
from kb.taxonomy import load_taxonomy
from kb.thesaurus import PREFIX, Thesaurus, build_thesaurus, flat, is_concept, theme_concepts

CONTENT = Path(__file__).resolve().parent.parent / "content"


@pytest.fixture(scope="module")
def n() -> Normalizer:
    return get_normalizer()


@pytest.fixture(scope="module")
def th(n: Normalizer) -> Thesaurus:
    return Thesaurus(
        [["BCP", "事業継続計画"], ["事業再構築", "業態転換"], ["再構築補助金", "事業再構築補助金"]],
        n,
    )


def concepts(th: Thesaurus, n: Normalizer, text: str) -> list[str]:
    units = n.units(text)
    tokens = flat(units)
    return ["+".join(t.term for t in tokens[m.first : m.last]) for m in th.matches(units)]


def test_members_of_a_group_share_one_concept(th: Thesaurus, n: Normalizer) -> None:
    assert th.concept("BCP", n) == th.concept("ｂｃｐ", n) == th.concept("事業継続計画", n)
    assert th.concept("BCP", n) != th.concept("業態転換", n)
    assert (th.concept("BCP", n) or "").startswith(PREFIX)
    assert th.concept("組合", n) is None
    assert (
        is_concept(th.concept("BCP", n) or "") and not is_concept("kbc") and not is_concept("組合")
    )


def test_groups_sharing_a_term_are_merged(n: Normalizer) -> None:
    th = Thesaurus([["A社", "甲"], ["甲", "乙"]], n)
    assert th.concept("A社", n) == th.concept("乙", n)


def test_matches_are_aligned_to_word_boundaries(th: Thesaurus, n: Normalizer) -> None:
    assert concepts(th, n, "事業再構築に取り組む") == ["事業+再+構築"]
    assert concepts(th, n, "システム再構築を行った") == []  # 再構築 inside another compound


def test_multi_term_synonym_found_at_the_start_of_a_compound(n: Normalizer) -> None:
    th = Thesaurus([["太陽光発電", "ソーラー発電"], ["EC", "電子商取引"]], n)
    assert concepts(th, n, "太陽光発電設備を導入") == ["太陽+光+発電"]
    assert concepts(th, n, "屋根にソーラー発電") == ["ソーラ+発電"]  # ー folded
    # a one-term synonym too may end inside a compound; no match starts inside a word
    th1 = Thesaurus([["スマホ", "スマートフォン"]], n)
    assert concepts(th1, n, "スマホアプリを開発") == ["スマホ"]
    th2 = Thesaurus([["企業組合", "企業組合法人"]], n)
    assert concepts(th2, n, "中小企業組合") == []  # 企業 starts inside the word 中小企業
    assert concepts(th2, n, "企業組合を設立") == ["企業+組合"]


def test_longest_match_wins(th: Thesaurus, n: Normalizer) -> None:
    units = n.units("事業再構築補助金を申請")
    (match,) = th.matches(units)
    assert match.concept == th.concept("再構築補助金", n)
    assert (match.first, match.last) == (0, len(flat(units)) - 1)  # all but 申請


def test_several_matches_in_one_text(th: Thesaurus, n: Normalizer) -> None:
    found = th.matches(n.units("BCPを策定し、業態転換も検討した"))
    assert [m.concept for m in found] == [th.concept("BCP", n), th.concept("業態転換", n)]


def test_digest_is_stable_and_changes_with_groups(n: Normalizer) -> None:
    a = Thesaurus([["BCP", "事業継続計画"]], n).digest
    assert a == Thesaurus([["BCP", "事業継続計画"]], n).digest
    assert a != Thesaurus([["BCP", "事業継続計画", "BCM"]], n).digest


def test_shipped_taxonomy_themes_have_concepts(n: Normalizer) -> None:
    tax = load_taxonomy(CONTENT)
    th = build_thesaurus(tax, n)
    themes = theme_concepts(tax, th, n)
    assert set(themes) == set(tax.themes)
    assert th.concept("DX", n) == th.concept("デジタルトランスフォーメーション", n) == themes["dx"]
    assert th.concept("BCP", n) == th.concept("事業継続計画", n) == themes["bcp"]
    assert th.concept("脱炭素", n) == themes["gx"]


def test_broader_terms_reach_documents_one_way(n: Normalizer) -> None:
    th = Thesaurus(
        [["技能実習生", "外国人技能実習生"], ["外国人材", "外国人労働者"]],
        n,
        {"外国人材": ["技能実習生"], "災害": ["自然災害"], "自然災害": ["地震", "豪雨"]},
    )
    foreign, disaster = th.concept("外国人材", n), th.concept("災害", n)
    assert foreign and disaster  # a broader term outside every group is a concept too

    def document(text: str) -> set[str]:
        return {m.concept for m in th.document_matches(n.units(text))}

    def query(text: str) -> set[str]:
        return {m.concept for m in th.matches(n.units(text))}

    # a document naming a narrower term (or its synonym) carries the broader concept
    assert foreign in document("外国人技能実習生を受け入れた")
    assert th.concept("技能実習生", n) in document("外国人技能実習生を受け入れた")
    # narrower terms of narrower terms, and the broader term anywhere in a compound
    assert disaster in document("熊本地震で被災した") and disaster in document("豪雨被害")
    assert disaster in document("土砂災害に備えた")
    # a query for the narrower term stays narrow
    assert foreign not in query("技能実習生")
    assert foreign not in document("特定技能の制度")
    assert th.digest != Thesaurus([["技能実習生", "外国人技能実習生"]], n).digest
