"""indexer.documents: Case -> Meilisearch document (no server)."""

from __future__ import annotations

import pytest

from indexer.documents import Analyzer
from kb.case import Case
from kb.loader import load_cases
from kb.taxonomy import load_taxonomy
from tests.conftest import ContentTree


@pytest.fixture
def case_and_analyzer(content: ContentTree) -> tuple[Case, Analyzer]:
    content.add(
        "kyoto-dx",
        "## 背景\n組合でＤＸを始めた。\n\n## 成果\n事業継続計画も作った。",
        title="京都のＤＸ",
        themes="dx, bcp",
        prefecture="京都府",
        extra="industry: 製造業\ntags: [共同受注]\norganization: 京都織物協同組合\n",
    )
    tax = load_taxonomy(content.root)
    result = load_cases(content.root, tax, max_bytes=100_000)
    assert result.ok
    return result.cases[0], Analyzer.create(tax)


def test_document_keeps_originals_and_normalized_fields(
    case_and_analyzer: tuple[Case, Analyzer],
) -> None:
    case, a = case_and_analyzer
    doc = a.document(case)
    assert doc["id"] == "kyoto-dx" and doc["title"] == "京都のＤＸ" and doc["region"] == "近畿"
    assert doc["themes"] == ["dx", "bcp"] and doc["industry"] == "製造業"
    assert doc["source"] == "content/cases/kyoto-dx.md"
    assert doc["title_n"].split()[:2] == ["京都", "dx"]
    assert a.theme_concept["dx"] in doc["title_n"]  # synonyms carried as concept tokens
    assert a.theme_concept["bcp"] in doc["meta_n"]
    assert "ＤＸ" in doc["body_text"] and "##" not in doc["body_text"]


def test_body_n_has_one_line_per_sentence_of_body_text(
    case_and_analyzer: tuple[Case, Analyzer],
) -> None:
    from kb.normalize import sentences

    case, a = case_and_analyzer
    doc = a.document(case)
    lines = doc["body_n"].split("\n")
    spans = sentences(doc["body_text"])
    assert len(lines) == len(spans)
    for line, (start, end) in zip(lines, spans, strict=True):
        assert line == a.line(doc["body_text"][start:end])
    assert "body_lines" not in doc


def test_hash_changes_with_the_file_and_the_analyzer(
    case_and_analyzer: tuple[Case, Analyzer],
) -> None:
    case, a = case_and_analyzer
    h = a.doc_hash(case)
    assert h == a.document(case)["hash"] and len(h) == 32
    assert a.doc_hash(case.model_copy(update={"digest": "other"})) != h
    other = Analyzer(a.taxonomy, a.normalizer, a.thesaurus, a.theme_concept, a.fingerprint + "x")
    assert other.doc_hash(case) != h


def test_body_reading_is_each_words_key_one_line_per_sentence(
    case_and_analyzer: tuple[Case, Analyzer],
) -> None:
    case, a = case_and_analyzer
    assert a.body_reading("研修の前にそうした話をした。かなり長い説明があった。") == (
        "kenshuu mae sou hanashi\nkanari nagai setsumei"
    )
    # a compound Sudachi knows as one word keeps one key; particles have none
    assert a.body_reading("技能実習生を受け入れた。") == "ginoujisshuusei ukeire"
    doc = a.document(case)
    lines = doc["body_reading"].splitlines()  # ## 背景 / 組合でＤＸを始めた。
    assert lines[0] == "haikei" and lines[1].startswith("kumiai")
