"""Markdown bodies: plain text for indexing and snippets, safe HTML for pages.

Raw HTML in content is never passed through (markdown-it's ``html`` option is
off), and links or images with ``javascript:``/``data:`` URLs are dropped.
"""

from __future__ import annotations

from markdown_it import MarkdownIt
from markdown_it.token import Token

_BLOCK_BREAK = {"paragraph_close", "heading_close", "list_item_close", "tr_close", "th_close",
                "td_close", "fence", "code_block", "hr", "blockquote_close"}


def _md() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable("table")
    return md


_MD = _md()


def to_text(body: str) -> str:
    """The readable text of a Markdown body: one line per block, markup removed."""
    out: list[str] = []
    for tok in _MD.parse(body):
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
