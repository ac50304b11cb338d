"""The search's words marked on the case page opened from a result (``/cases/ID?q=…``).

Only text is marked, never markup: the rendered body is split into tags and text, the words
are looked for in the text pieces and in ``<mark>`` (each piece unescaped to look, escaped again to write). A word is what the search box shows: quoted phrases whole, ``OR``
and ``-excluded`` words left out, one kana alone (a particle) ignored;
full- and half-width letters and digits match each other.
"""

from __future__ import annotations

import html
import re
import unicodedata

from markupsafe import Markup, escape

from kb.taxonomy import Taxonomy, fold

MAX_WORDS = 10
_WORDS = re.compile(r'"([^"]+)"|(\S+)')
_TAGS = re.compile(r"(<[^>]*>)")
_KANA = re.compile(r"^[\u3040-\u30ff]$")


def query_words(q: str, taxonomy: Taxonomy | None = None) -> list[str]:
    """The words of a query worth marking, with their synonyms (taxonomy.yml's theme
    synonyms and synonyms.yml's groups, as the search uses them), longest first."""
    words: list[str] = []
    for phrase, word in _WORDS.findall(q.replace("\u3000", " ")[:500]):
        text = (phrase or word).strip()
        if not phrase and (text == "OR" or text.startswith("-")):
            continue
        text = text.strip("\"'“”「」")
        if text and not _KANA.match(text) and text not in words:
            words.append(text)
    words = words[:MAX_WORDS]
    if taxonomy is not None:
        words += [s for s in dict.fromkeys(synonyms(words, taxonomy)) if s not in words]
    return sorted(words, key=len, reverse=True)


def synonyms(words: list[str], taxonomy: Taxonomy) -> list[str]:
    folded = {fold(w) for w in words}
    groups = [*taxonomy.synonym_groups, *(t.synonyms for t in taxonomy.themes.values())]
    return [s for group in groups if folded & {fold(x) for x in group} for s in group]


def _pattern(words: list[str]) -> re.Pattern[str] | None:
    if not words:
        return None
    return re.compile("|".join(_loose(w) for w in words), re.I)


def _loose(word: str) -> str:
    """A pattern for ``word`` matching its full- and half-width forms (ＤＸ = DX, ２２ = 22)."""
    out = []
    for c in unicodedata.normalize("NFKC", word):
        if c.isascii() and c.isalnum():
            out.append(f"[{c}{chr(ord(c) + 0xFEE0)}]")
        else:
            out.append(re.escape(c))
    return "".join(out)


def mark_html(safe_html: str, words: list[str]) -> Markup:
    """``safe_html`` (trusted, e.g. kb.render's output) with ``words`` marked in its text."""
    pattern = _pattern(words)
    if pattern is None:
        return Markup(safe_html)
    out = []
    for i, piece in enumerate(_TAGS.split(safe_html)):
        if i % 2 or not pattern.search(html.unescape(piece)):  # a tag, or nothing to mark
            out.append(piece)
            continue
        text, at = html.unescape(piece), 0
        for m in pattern.finditer(text):
            out += [html.escape(text[at : m.start()]), "<mark>", html.escape(m.group(0)), "</mark>"]
            at = m.end()
        out.append(html.escape(text[at:]))
    return Markup("".join(out))


def mark_text(text: str, words: list[str]) -> Markup:
    """Plain ``text`` escaped, with ``words`` marked."""
    return mark_html(str(escape(text)), words)
