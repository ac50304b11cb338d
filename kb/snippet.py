"""Snippets: the matched words highlighted in the original (not normalized) text."""

from __future__ import annotations

import re
from html import escape as _escape
from typing import Any

from indexer.documents import Analyzer
from kb.normalize import sentences
from kb.query import Query

MAX_CHARS = 160
_SPECIAL = re.compile(r"[&<>\"']")


def escape(text: str) -> str:
    """``html.escape``, skipped for the usual text without a character to escape."""
    return _escape(text) if _SPECIAL.search(text) else text


def spans(text: str, query: Query, analyzer: Analyzer) -> list[tuple[int, int]]:
    """Character spans of ``text`` that match a term of ``query``."""
    if query.empty or not text:
        return []
    units = analyzer.normalizer.units(text)
    flat = [t for u in units for t in u.tokens]
    terms = [t.term for t in flat]
    found: list[tuple[int, int]] = []
    for term in query.shown:
        if term.phrase:
            n = len(term.phrase)
            for i in range(len(terms) - n + 1):
                if tuple(terms[i : i + n]) == term.phrase:
                    found.append((flat[i].start, flat[i + n - 1].end))
    concepts = {t.concept for t in query.shown if t.concept}
    if concepts:
        for m in analyzer.thesaurus.document_matches(units):
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
    return render(text, spans(text, query, analyzer), limit)


def render(text: str, marks: list[tuple[int, int]], limit: int | None = None) -> str:
    """HTML-escaped ``text`` with <mark> around the merged ``marks``, cut to ``limit``."""
    marks = _merge(marks)
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


def marked(line: str, marks: str, query: Query) -> list[tuple[int, int]] | None:
    """Spans of ``query``'s terms in one normalized ``line``, from its stored ``marks`` line
    (see indexer.documents); None when the two do not line up."""
    terms = line.split(" ") if line else []
    places = marks.split(" ")[1:]
    if len(places) != len(terms):
        return None
    found: list[tuple[int, int]] = []
    for term in query.shown:
        if term.concept:
            for j, t in enumerate(terms):
                if t == term.concept:
                    found.extend(_pair(p) for p in places[j].split(";"))
            continue
        n, first = len(term.phrase), term.phrase[0]
        for j in range(len(terms) - n + 1):
            if terms[j] == first and tuple(terms[j : j + n]) == term.phrase:
                found.append((_pair(places[j])[0], _pair(places[j + n - 1])[1]))
    return found


def _pair(place: str) -> tuple[int, int]:
    a, _, b = place.partition(",")
    return int(a), int(b)


def best_line(text: str, query: Query) -> int | None:
    """Index of the line of normalized ``text`` matching the most distinct query terms
    (earliest wins). Each term is looked for in the whole text at once, not line by line."""
    padded = " " + text.replace("\n", " \n ") + " "
    scores: dict[int, int] = {}
    for term in query.shown:
        needle = f" {term.key} "
        seen: set[int] = set()
        pos = padded.find(needle)
        while pos >= 0:
            seen.add(padded.count("\n", 0, pos))
            pos = padded.find(needle, pos + 1)
        for line in seen:
            scores[line] = scores.get(line, 0) + 1
    if not scores:
        return None
    top = max(scores.values())
    return min(line for line, score in scores.items() if score == top)


def body_line(hit: dict[str, Any], query: Query) -> int | None:
    """``best_line`` of a hit's body, worked out once per hit and query (the search asks it
    for the attachment check, the attachment snippet and the body snippet)."""
    kept = hit.get(_BEST)
    if kept is not None and kept[0] is query:
        return kept[1]
    best = None if query.empty else best_line(hit.get("body_n") or "", query)
    hit[_BEST] = (query, best)
    return best


_BEST = "_kb_body_line"  # where body_line keeps its answer in the hit (never shown)


def body_matches(hit: dict[str, Any], query: Query) -> bool:
    """Whether a hit's body has a sentence with one of the query's terms."""
    return body_line(hit, query) is not None


def attachment_snippet(hit: dict[str, Any], query: Query) -> tuple[str, dict[str, Any]] | None:
    """The attachment sentence matching the most query terms, highlighted and prefixed with
    the file (and page) it comes from, and that place as ``{"file", "page", "unit"}``; None when
    no attachment sentence matches (or none was retrieved)."""
    text, lines = hit.get("attach_text") or "", hit.get("attach_n") or ""
    marks = hit.get("attach_marks")
    if not text or query.empty or not isinstance(marks, str):
        return None
    best = best_line(lines, query)
    mlines = marks.split("\n")
    if best is None or best >= len(mlines):
        return None
    found = marked(lines.split("\n")[best], mlines[best], query)
    if found is None:
        return None
    a, b = _pair(mlines[best].split(" ", 1)[0])
    raw = text[a:b]
    shift = a + len(raw) - len(raw.lstrip())
    where: dict[str, Any] = {"file": "", "page": 0, "unit": ""}
    for offset, rel, page, *rest in hit.get("attach_pages") or []:
        if offset > a:
            break
        where = {"file": rel, "page": page, "unit": rest[0] if rest else ""}
    name = str(where["file"]).rsplit("/", 1)[-1]
    page = f" {where['page']}{where['unit']}" if where["page"] else ""
    label = f"［添付ファイル {name}{page}］ "
    body = render(raw.strip(), [(x - shift, y - shift) for x, y in found], MAX_CHARS)
    return escape(label) + body, where


def snippet(hit: dict[str, Any], query: Query, analyzer: Analyzer) -> str:
    """The body sentence matching the most query terms, highlighted; else the summary.

    Line *i* of the stored ``body_n`` holds the terms of sentence *i* of ``body_text``, so
    the sentence is chosen on normalized terms; line *i* of ``body_marks`` says where they
    stand. Documents indexed without marks are analysed again (slower, same result).
    """
    body = hit.get("body_text") or ""
    if body and not query.empty:
        body_n = hit.get("body_n") or ""
        best = body_line(hit, query)
        if best is not None:
            line = body_n.split("\n")[best]
            out = _from_marks(body, line, hit.get("body_marks"), best, query)
            if out is not None:
                return out
            spans_ = sentences(body)
            if best < len(spans_):
                a, b = spans_[best]
                return highlight(body[a:b].strip(), query, analyzer, MAX_CHARS)
    attached = attachment_snippet(hit, query)
    if attached is not None:
        return attached[0]
    summary = hit.get("summary") or ""
    marks = hit.get("summary_marks")
    if query.empty or not summary:
        return render(summary, [], MAX_CHARS)
    lines = (hit.get("summary_n") or "").split("\n")
    if isinstance(marks, str) and len(mlines := marks.split("\n")) == len(lines):
        found = [marked(x, m, query) for x, m in zip(lines, mlines, strict=True)]
        if all(f is not None for f in found):
            return render(summary, [s for f in found if f for s in f], MAX_CHARS)
    return highlight(summary, query, analyzer, MAX_CHARS)


def _from_marks(body: str, line: str, marks: Any, i: int, query: Query) -> str | None:
    """Sentence ``i`` of ``body`` highlighted from its stored marks (None: none stored)."""
    if not isinstance(marks, str):
        return None
    mlines = marks.split("\n")
    if i >= len(mlines):
        return None
    found = marked(line, mlines[i], query)
    if found is None:
        return None
    a, b = _pair(mlines[i].split(" ", 1)[0])
    raw = body[a:b]
    text = raw.strip()
    shift = a + len(raw) - len(raw.lstrip())
    return render(text, [(x - shift, y - shift) for x, y in found], MAX_CHARS)
