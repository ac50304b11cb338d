"""kb.spelling: 「もしかして」 from the collection's own vocabulary."""

from __future__ import annotations

import pytest

from indexer.documents import Analyzer
from kb.query import parse_query
from kb.spelling import Speller, apply_corrections
from kb.taxonomy import load_taxonomy
from tests.conftest import CONTENT


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer.create(load_taxonomy(CONTENT))


@pytest.fixture
def speller(analyzer: Analyzer) -> Speller:
    return Speller(analyzer)


def fixes(speller: Speller, analyzer: Analyzer, text: str, tags: tuple[str, ...] = ()) -> dict:
    return speller.corrections(parse_query(text, analyzer), tags)


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("インボス", "インボイス"),  # a katakana letter left out
        ("事業承経", "事業承継"),  # a wrong kanji
        ("価格転化", "価格転嫁"),  # a homophone
    ],
)
def test_typos_are_corrected_to_the_vocabulary(
    speller: Speller, analyzer: Analyzer, typed: str, meant: str
) -> None:
    assert fixes(speller, analyzer, typed) == {typed: meant}


def test_known_short_and_place_words_are_left_alone(speller: Speller, analyzer: Analyzer) -> None:
    assert fixes(speller, analyzer, "事業承継 インボイス") == {}
    assert fixes(speller, analyzer, "ＤＸ") == {}  # width folded: a known word
    assert fixes(speller, analyzer, "承経") == {}  # under three characters
    assert fixes(speller, analyzer, "北海道 事業承経") == {"事業承経": "事業承継"}
    assert fixes(speller, analyzer, "ザザザザザ") == {}  # nothing close


def test_the_indexed_tags_are_vocabulary_too(speller: Speller, analyzer: Analyzer) -> None:
    assert fixes(speller, analyzer, "ちくわぶ工房") == {}
    tags = ("ちくわぶ工場",)
    assert fixes(speller, analyzer, "ちくわぶ工房", tags) == {"ちくわぶ工房": "ちくわぶ工場"}
    # the answer for the same text is kept only while the tags stay the same
    assert fixes(speller, analyzer, "ちくわぶ工房", ()) == {}


def test_excluded_and_quoted_words_are_corrected_in_place() -> None:
    corrections = {"インボス": "インボイス", "事業承経": "事業承継"}
    text = '-インボス "事業承経" 組合'
    assert apply_corrections(text, corrections) == '-インボイス "事業承継" 組合'
    assert apply_corrections("組合 支援", corrections) == "組合 支援"


def test_corrections_of_excluded_and_quoted_words(speller: Speller, analyzer: Analyzer) -> None:
    assert fixes(speller, analyzer, '組合 -インボス "事業承経"') == {
        "インボス": "インボイス",
        "事業承経": "事業承継",
    }
