"""web.highlight: a search's words marked in a case page's text, never in its markup."""

from __future__ import annotations

from pathlib import Path

from kb.taxonomy import load_taxonomy
from tests.conftest import CONTENT
from web.highlight import mark_html, mark_text, query_words


def test_query_words_follow_the_search_syntax() -> None:
    assert query_words('事業承継 OR 価格転嫁 -建設 "共同 受注" の') == [
        "共同 受注",
        "事業承継",
        "価格転嫁",
    ]  # fmt: skip (longest first)
    assert query_words("　事業承継　") == ["事業承継"]  # full-width spaces
    assert query_words("") == []


def test_synonyms_are_marked_too() -> None:
    words = query_words("DX 中央会", load_taxonomy(Path(CONTENT)))
    assert {"デジタル化", "デジタルトランスフォーメーション", "中小企業団体中央会"} <= set(words)
    assert len(words) == len(set(words))
    assert words == sorted(words, key=len, reverse=True)  # longest first: 中小企業団体中央会 whole


def test_marks_text_only_and_escapes() -> None:
    html = '<h2 id="背景">背景</h2><p><a href="/x?q=背景">背景の&lt;事業承継&gt;と M&amp;A</a></p>'
    out = mark_html(html, query_words("背景 事業承継 M&A"))
    assert out == (
        '<h2 id="背景"><mark>背景</mark></h2><p><a href="/x?q=背景"><mark>背景</mark>の'
        "&lt;<mark>事業承継</mark>&gt;と <mark>M&amp;A</mark></a></p>"
    )
    assert mark_html(html, []) == html
    assert str(mark_text("<b>ＤＸ</b> と dx", ["DX"])) == (
        "&lt;b&gt;<mark>ＤＸ</mark>&lt;/b&gt; と <mark>dx</mark>"
    )


def test_hostile_words_stay_text() -> None:
    html = "<p>本文</p>"
    for q in ["<script>", "p", "</p><script>alert(1)</script>", "&lt;", ".*", "[", "\\"]:
        out = str(mark_html(html, query_words(q)))
        assert "<script>" not in out and out.count("<p>") == 1 and out.endswith("</p>")
