"""Markdown bodies: plain text for indexing and snippets, safe HTML for pages.

Raw HTML in content is never passed through (markdown-it's ``html`` option is
off), and links or images with ``javascript:``/``data:`` URLs are dropped. HTML comments
(the template's guidance, ``<!-- … -->``) are removed first, so they reach no page, index,
snippet or static site; lines are kept, so line numbers stay those of the file.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.token import Token

_BLOCK_BREAK = {
    "paragraph_close",
    "heading_close",
    "list_item_close",
    "tr_close",
    "th_close",
    "td_close",
    "fence",
    "code_block",
    "hr",
    "blockquote_close",
}


def _md() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    return md


_MD = _md()

# A code span (a backtick run and the same run closing it) is skipped whole, so a comment
# quoted in code stays; otherwise the first ``<!--`` up to the next ``-->`` is a comment.
_CODE_OR_COMMENT = re.compile(r"(?<!`)(`+)(?!`).*?(?<!`)\1(?!`)|(<!--.*?-->)", re.S)
_CODE_BLOCKS = ("fence", "code_block")


def strip_comments(text: str, *, blank: bool = False) -> str:
    """``text`` without its HTML comments (outside code), each replaced by the newlines
    it held, so every line keeps its number; with ``blank``, by spaces, so every column
    keeps its place too. An unclosed ``<!--`` stays as written."""
    if "<!--" not in text:
        return text

    def drop(m: re.Match[str]) -> str:
        comment = m.group(2)
        if comment is None:
            return m.group(0)
        return re.sub(r"[^\n]", " ", comment) if blank else "\n" * comment.count("\n")

    lines = text.split("\n")
    code = [tok.map for tok in _MD.parse(text) if tok.type in _CODE_BLOCKS and tok.map]
    parts, at = [], 0
    for start, end in code:  # code blocks are kept; the text between them is cleaned
        if start > at:
            parts.append(_CODE_OR_COMMENT.sub(drop, "\n".join(lines[at:start])))
        parts.append("\n".join(lines[start:end]))
        at = end
    if at < len(lines):
        parts.append(_CODE_OR_COMMENT.sub(drop, "\n".join(lines[at:])))
    return "\n".join(parts)


def to_text(body: str) -> str:
    """The readable text of a Markdown body: one line per block, markup and comments removed."""
    out: list[str] = []
    for tok in _MD.parse(strip_comments(body)):
        if tok.type == "inline":
            out.append(_inline_text(tok.children or []))
        elif tok.type in ("fence", "code_block"):
            out.append(tok.content.rstrip("\n"))
        if tok.type in _BLOCK_BREAK:
            out.append("\n")
    text = "".join(out)
    return "\n".join(line.strip() for line in text.split("\n") if line.strip())


def _inline_text(children: list[Token]) -> str:
    parts = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "image":
            parts.append(child.content)
    return "".join(parts)


# -- HTML ---------------------------------------------------------------------------

_UNSAFE_SCHEMES = ("javascript:", "vbscript:", "data:", "file:")
_SLUG_DROP = re.compile(r"[^\w\-]+")
TOC_MIN_HEADINGS = 3  # shorter cases read fine without a table of contents


@dataclass(frozen=True)
class Heading:
    level: int
    anchor: str
    text: str


@dataclass(frozen=True)
class Rendered:
    html: str
    toc: list[Heading]

    @property
    def long(self) -> bool:
        """True when the case has enough sections to deserve a table of contents."""
        return len(self.toc) >= TOC_MIN_HEADINGS

    @property
    def toc_tree(self) -> list[tuple[Heading, list[Heading]]]:
        """The ``##`` headings, each with the ``###`` below it (numbered 1, 2, 3 … in the
        page; a ``###`` before any ``##`` stands at the top level)."""
        tree: list[tuple[Heading, list[Heading]]] = []
        for h in self.toc:
            if h.level > 2 and tree:
                tree[-1][1].append(h)
            else:
                tree.append((h, []))
        return tree


def safe_url(url: str) -> bool:
    """False for URLs that could run script (``javascript:``, ``data:`` …), in any spelling."""
    compact = re.sub(r"[\x00-\x20\x7f]+", "", unquote(url)).lower()
    return not compact.startswith(_UNSAFE_SCHEMES)


def slug(text: str) -> str:
    """An anchor for a heading: its words joined by hyphens (Japanese kept as is)."""
    return _SLUG_DROP.sub("-", text.strip().lower()).strip("-_")


def _html_md() -> MarkdownIt:
    md = _md()
    md.validateLink = safe_url  # type: ignore[method-assign]
    return md


_HTML_MD = _html_md()


def to_html(
    body: str, rewrite: Callable[[str], str | None] | None = None, *, images: bool = True
) -> Rendered:
    """Safe HTML for a Markdown body, with heading anchors and the table of contents.

    HTML comments are removed; other raw HTML in the body is shown as text; links and
    images with unsafe URLs are left as plain text. ``rewrite`` maps a link/image URL to
    another (e.g. an attachment to its download route); returning None keeps it unchanged.
    With ``images=False`` every image is shown as its alt text (nothing is fetched: the
    public side, where a remote image would tell its owner who reads the case).
    """
    tokens = _HTML_MD.parse(strip_comments(body))
    toc: list[Heading] = []
    used: set[str] = set()
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open":
            text = _inline_text(tokens[i + 1].children or []).strip()
            anchor = _unique(slug(text) or f"section-{len(toc) + 1}", used)
            tok.attrSet("id", anchor)
            if tok.tag in ("h2", "h3"):
                toc.append(Heading(int(tok.tag[1]), anchor, text))
        elif tok.type == "inline":
            for child in _walk(tok.children or []):
                if child.type == "image" and not images:
                    alt = _inline_text(child.children or [])
                    child.type, child.tag, child.attrs, child.children = "text", "", {}, None
                    child.content = alt
                    continue
                _check_url(child, rewrite)
    return Rendered(_HTML_MD.renderer.render(tokens, _HTML_MD.options, {}), toc)


def _walk(children: list[Token]) -> list[Token]:
    out: list[Token] = []
    for child in children:
        out.append(child)
        out.extend(_walk(child.children or []))
    return out


def _check_url(tok: Token, rewrite: Callable[[str], str | None] | None) -> None:
    attr = {"link_open": "href", "image": "src"}.get(tok.type)
    if attr is None:
        return
    url = str(tok.attrGet(attr) or "")
    if rewrite is not None:
        url = rewrite(url) or url
    tok.attrSet(attr, url if safe_url(url) else "#")
    if tok.type == "link_open" and url.startswith(("http://", "https://")):
        tok.attrSet("rel", "noopener noreferrer nofollow")
    if tok.type == "image":
        tok.attrSet("loading", "lazy")


def _unique(anchor: str, used: set[str]) -> str:
    candidate, n = anchor, 2
    while candidate in used:
        candidate, n = f"{anchor}-{n}", n + 1
    used.add(candidate)
    return candidate
