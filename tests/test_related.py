"""kb.related: same themes or tags and similar words, at most five, never the case itself."""

from __future__ import annotations

import http.client
from unittest import mock

import pytest

from kb.errors import SearchUnavailable
from kb.related import related


@pytest.fixture
def ix(content, indexed):
    content.add(
        "base",
        "## 背景\n電力料金の価格転嫁。",
        title="鋳物組合の電力料金の価格転嫁",
        themes="price-pass-through",
        extra="tags: [電力料金]\n",
    )
    content.add(
        "close",
        "## 背景\n電力料金の交渉。",
        title="電力料金の価格転嫁交渉",
        themes="price-pass-through",
        year=2020,
    )
    content.add(
        "same-theme",
        "## 背景\n労務費。",
        title="労務費の上昇への対応",
        themes="price-pass-through",
        year=2024,
    )
    content.add(
        "same-tag",
        "## 背景\n省エネ。",
        title="省エネ設備の導入",
        themes="gx",
        extra="tags: [電力料金]\n",
    )
    content.add(
        "unrelated", "## 背景\n電力料金の話。", title="電力料金と後継者", themes="succession"
    )
    for i in range(6):
        content.add(
            f"more-{i}",
            "## 背景\n価格転嫁。",
            title=f"価格転嫁の取組 {i}",
            themes="price-pass-through",
        )
    return indexed()


def test_related_never_itself_at_most_five_sharing_theme_or_tag(ix):
    doc = ix.searcher.get("base")
    out = related(ix.searcher, doc)
    ids = [r["id"] for r in out]
    assert len(ids) == 5
    assert "base" not in ids and "unrelated" not in ids
    assert ids[0] == "close"  # similar words and the same theme rank first


def test_shared_tag_counts_and_fill_without_words(ix):
    doc = ix.searcher.get("base")
    ids = [r["id"] for r in related(ix.searcher, doc, limit=20)]
    assert {"close", "same-theme", "same-tag"} <= set(ids)
    assert "unrelated" not in ids and len(ids) == len(set(ids))


def test_no_themes_or_zero_limit_gives_nothing(ix):
    assert related(ix.searcher, {"id": "x", "title": "t"}) == []
    assert related(ix.searcher, ix.searcher.get("base"), limit=0) == []


def test_server_down_is_search_unavailable(ix):
    doc = ix.searcher.get("base")
    err = ConnectionRefusedError("down")
    with (
        mock.patch.object(http.client.HTTPConnection, "request", side_effect=err),
        pytest.raises(SearchUnavailable),
    ):
        related(ix.searcher, doc)


def test_titles_are_compared_on_their_indexed_terms(ix):
    """A candidate's title terms come from its indexed ``title_n`` (concept tokens left
    out): the same set as analysing the title again."""
    from kb.related import _terms, _title_terms

    hits = ix.searcher.run("", {"limit": 20, "attributesToRetrieve": ["title", "title_n"]})
    assert len(hits["hits"]) == 11
    for hit in hits["hits"]:
        assert _title_terms(ix.searcher, hit) == _terms(ix.searcher, hit["title"])
    # 価格転嫁 is in a synonym group: its indexed title carries a concept token
    base = ix.searcher.run("", {"filter": ['id = "base"'], "attributesToRetrieve": ["title_n"]})
    assert any(t.startswith("kbc") for t in base["hits"][0]["title_n"].split())
    # a document indexed without title_n is analysed instead
    assert _title_terms(ix.searcher, {"title": "電力料金の交渉"}) == {"電力", "料金", "交渉"}
