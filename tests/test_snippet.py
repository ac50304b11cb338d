"""kb.snippet: highlight offsets in the original text, escaping, cutting (no server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.documents import Analyzer
from kb.query import parse_query
from kb.snippet import MAX_CHARS, highlight, snippet, spans
from kb.taxonomy import load_taxonomy

CONTENT = Path(__file__).resolve().parent.parent / "content"


@pytest.fixture(scope="module")
def a() -> Analyzer:
    return Analyzer.create(load_taxonomy(CONTENT))


def marked(text: str, q: str, a: Analyzer) -> list[str]:
    return [text[x:y] for x, y in spans(text, parse_query(q, a), a)]


def test_half_width_katakana_and_full_width_letters(a: Analyzer) -> None:
    text = "ＡＢＣ組合はｻｰﾊﾞｰを更新し、ＤＸを進めた"
    assert marked(text, "サーバー DX", a) == ["ｻｰﾊﾞｰ", "ＤＸ"]
    assert highlight(text, parse_query("サーバー DX", a), a) == (
        "ＡＢＣ組合は<mark>ｻｰﾊﾞｰ</mark>を更新し、<mark>ＤＸ</mark>を進めた"
    )


def test_okurigana_and_synonyms_are_marked_in_the_original(a: Analyzer) -> None:
    assert marked("毎月の打合せを行った", "打ち合わせ", a) == ["打合せ"]
    assert marked("事業継続計画を策定した", "BCP", a) == ["事業継続計画"]


def test_phrase_marks_the_whole_compound_part(a: Analyzer) -> None:
    assert marked("中小企業組合の活動", "中小企業", a) == ["中小企業"]
    assert marked("東京都の商店街", "京都", a) == []


def test_every_synonym_is_marked_and_overlaps_merge(a: Analyzer) -> None:
    assert marked("ＤＸとデジタル化の推進", "DX", a) == ["ＤＸ", "デジタル化"]
    # the phrase 事業 and the concept 事業継続計画 overlap: one mark
    assert marked("事業継続計画を策定", "事業 BCP", a) == ["事業継続計画"]


def test_html_is_escaped(a: Analyzer) -> None:
    out = highlight("<b>サーバ</b> & co", parse_query("サーバー", a), a)
    assert out == "&lt;b&gt;<mark>サーバ</mark>&lt;/b&gt; &amp; co"


def test_long_text_is_cut_around_the_first_match(a: Analyzer) -> None:
    text = "あ" * 300 + "ＤＸ" + "い" * 300
    out = highlight(text, parse_query("DX", a), a, MAX_CHARS)
    assert out.startswith("…") and out.endswith("…") and "<mark>ＤＸ</mark>" in out
    assert len(out.replace("<mark>", "").replace("</mark>", "")) == MAX_CHARS + 2


def test_empty_query_leaves_text_plain(a: Analyzer) -> None:
    assert highlight("組合", parse_query("", a), a) == "組合"


def test_snippet_picks_the_sentence_with_the_most_query_terms(a: Analyzer) -> None:
    body = "一文目でＤＸを始めた。二文目でＤＸとＢＣＰを進めた。三文目。"
    hit = {"body_text": body, "summary": "要約。", "body_n": a.field_and_marks(body)[0]}
    assert snippet(hit, parse_query("DX", a), a) == "一文目で<mark>ＤＸ</mark>を始めた。"
    both = snippet(hit, parse_query("DX 事業継続計画", a), a)
    assert both == "二文目で<mark>ＤＸ</mark>と<mark>ＢＣＰ</mark>を進めた。"


def test_best_line_needs_whole_terms_and_phrases(a: Analyzer) -> None:
    from kb.snippet import best_line

    lines = "中小 企業 組合\n組合 員\n労働 組合 従業 員"
    assert best_line(lines, parse_query("組合員", a)) == 1
    assert best_line(lines, parse_query("中小企業", a)) == 0
    assert best_line(lines, parse_query("京都", a)) is None
    assert best_line("ＤＸ\n\n組合 員 dx", parse_query("組合員 DX", a)) == 2
    assert best_line("", parse_query("DX", a)) is None


def test_snippet_falls_back_to_the_summary(a: Analyzer) -> None:
    hit = {
        "body_text": "本文。",
        "summary": "ＤＸの要約。",
        "body_n": a.field_and_marks("本文。")[0],
    }
    assert snippet(hit, parse_query("DX", a), a) == "<mark>ＤＸ</mark>の要約。"


def test_stored_marks_give_the_same_snippets_as_analysing_again(a: Analyzer) -> None:
    """Every sample case and query kind: highlighting from ``*_marks`` equals re-analysis."""
    from kb.loader import load_cases

    queries = ["DX", "価格転嫁", "事業継続計画", "ＢＣＰ 研修", "受け入れた", "中小企業",
               "省エネ", "東京都", "後継者 育成", "インボイス", "組合員", "ｻｰﾊﾞｰ"]  # fmt: skip
    docs = [a.document(c) for c in load_cases(CONTENT, a.taxonomy, max_bytes=10**6).cases]
    compared = marked_hits = 0
    for q in queries:
        query = parse_query(q, a)
        for doc in docs:
            hit = {k: doc[k] for k in ("body_text", "body_n", "body_marks", "summary",
                                       "summary_n", "summary_marks")}  # fmt: skip
            plain = {k: v for k, v in hit.items() if not k.endswith("_marks")}
            fast = snippet(hit, query, a)
            assert fast == snippet(plain, query, a), (doc["id"], q)
            compared += 1
            marked_hits += "<mark>" in fast
    assert compared == len(queries) * len(docs) and marked_hits > 50


def test_marks_that_do_not_line_up_fall_back_to_analysis(a: Analyzer) -> None:
    body = "ＤＸを進めた。"
    hit = {
        "body_text": body,
        "summary": "",
        "body_n": a.field_and_marks(body)[0],
        "body_marks": "0,7 0,2",
    }
    assert snippet(hit, parse_query("DX", a), a) == "<mark>ＤＸ</mark>を進めた。"


def test_render_escapes_html_around_and_inside_marks() -> None:
    from kb.snippet import render

    assert render("a<b & 'c'", [(0, 3)]) == "<mark>a&lt;b</mark> &amp; &#x27;c&#x27;"
    assert render("価格転嫁", [(0, 2)]) == "<mark>価格</mark>転嫁"
