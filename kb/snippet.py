"""Snippets: the matched words highlighted in the original (not normalized) text."""

from __future__ import annotations

from html import escape
from typing import Any

from indexer.documents import Analyzer
from kb.normalize import sentences
from kb.query import Query

MAX_CHARS = 160


def spans(text: str, query: Query, analyzer: Analyzer) -> list[tuple[int, int]]:
    """Character spans of ``text`` that match a term of ``query``."""
    if query.empty or not text:
        return []
    units = analyzer.normalizer.units(text)
    flat = [t for u in units for t in u.tokens]
    terms = [t.term for t in flat]
    found: list[tuple[int, int]] = []
    for term in query.terms:
        if term.phrase:
            n = len(term.phrase)
            for i in range(len(terms) - n + 1):
                if tuple(terms[i : i + n]) == term.phrase:
                    found.append((flat[i].start, flat[i + n - 1].end))
    concepts = {t.concept for t in query.terms if t.concept}
    if concepts:
        for m in analyzer.thesaurus.matches(units):
            if m.concept in concepts:
                found.append((flat[m.first].start, flat[m.last - 1].end))
    return _merge(found)


def _merge(found: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(found):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def highlight(text: str, query: Query, analyzer: Analyzer, limit: int | None = None) -> str:
    """HTML-escaped ``text`` with <mark> around matches, cut to ``limit`` characters."""
    marks = spans(text, query, analyzer)
    start, end = 0, len(text)
    if limit and len(text) > limit:
        centre = marks[0][0] if marks else 0
        start = max(0, min(centre - limit // 3, len(text) - limit))
        end = start + limit
    out = ["…" if start > 0 else ""]
    pos = start
    for a, b in marks:
        if b <= start or a >= end:
            continue
        a, b = max(a, start), min(b, end)
        out.append(escape(text[pos:a]))
        out.append(f"<mark>{escape(text[a:b])}</mark>")
        pos = b
    out.append(escape(text[pos:end]))
    if end < len(text):
        out.append("…")
    return "".join(out)


def best_line(lines: list[str], query: Query) -> int | None:
    """Index of the normalized line matching the most distinct query terms (earliest wins)."""
    best, best_score = None, 0
    for i, line in enumerate(lines):
        if not line:
            continue
        padded = f" {line} "
        score = sum(1 for term in query.terms if f" {term.key} " in padded)
        if score > best_score:
            best, best_score = i, score
    return best


def snippet(hit: dict[str, Any], query: Query, analyzer: Analyzer) -> str:
    """The body sentence matching the most query terms, highlighted; else the summary.

    Line *i* of the stored ``body_n`` holds the terms of sentence *i* of ``body_text``,
    so the sentence is chosen on normalized terms and only it is analysed again.
    """
    body = hit.get("body_text") or ""
    if body and not query.empty:
        best = best_line((hit.get("body_n") or "").split("\n"), query)
        spans_ = sentences(body)
        if best is not None and best < len(spans_):
            a, b = spans_[best]
            return highlight(body[a:b].strip(), query, analyzer, MAX_CHARS)
    return highlight(hit.get("summary") or "", query, analyzer, MAX_CHARS)
