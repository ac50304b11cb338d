"""Markdown structure of a case body: required sections per kind, heading levels,
links to files that do not exist, images over the size limit, template text left in.

A section counts as empty when it holds nothing but HTML comments and blank lines
(the loader's rule for an empty body). ``kb new`` writes ``PLACEHOLDER`` under each
heading, so its output passes `kb check` with a warning per section that
``--strict`` (used in CI) turns into an error until the editor fills it in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from markdown_it import MarkdownIt

from kb.checks.finding import Finding, Severity
from kb.render import strip_comments

SECTIONS: dict[str, tuple[str, ...]] = {
    "case": ("背景", "取組", "成果", "今後の課題"),
    "qa": ("質問", "回答"),
    "material": ("概要", "ポイント", "進め方", "参考"),
}
ADVISORY_SECTIONS = frozenset({"material"})  # kinds whose missing sections are warnings
SECTION_LEVEL = 2
PLACEHOLDER = "（ここに記入）"

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_LINK = re.compile(r"(!?)\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+[\"'(][^)]*)?\)")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
# headings only: the block parser sets a heading's text, the inline pass is not needed
_MD = MarkdownIt("commonmark", {"html": False}).disable(["inline", "text_join"])
CHECK = "structure"


@dataclass(frozen=True)
class _Heading:
    level: int
    text: str
    line: int  # 0-based line in the body
    end: int  # 0-based line after the heading


# A line that cannot start any block but a paragraph or a plain ATX heading: blank, "## text"
# without "#" in the text, or a first character no block rule (fence, list, quote, rule,
# setext underline, indented code, reference, table, HTML) starts with.
_PLAIN = re.compile(r"[ \t]*$|#{1,6}[ \t][^#]*$|(?![0-9]+[.)])[^ \t#>\-*+=_`~<|\[\\]")
_ATX = re.compile(r"(#{1,6})[ \t]")


def _headings(body: str) -> list[_Heading]:
    lines = body.split("\n")
    if "\r" not in body and "\0" not in body and all(map(_PLAIN.match, lines)):
        # only paragraphs and ATX headings: the headings are exactly the "#" lines
        return [
            _Heading(len(m.group(1)), line[m.end() :].strip(), i, i + 1)
            for i, line in enumerate(lines)
            if (m := _ATX.match(line))
        ]
    return _parsed_headings(body)


def _parsed_headings(body: str) -> list[_Heading]:
    tokens = _MD.parse(body)
    out = []
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.map:
            text = tokens[i + 1].content.strip() if i + 1 < len(tokens) else ""
            out.append(_Heading(int(tok.tag[1]), text, tok.map[0], tok.map[1]))
    return out


def _section_name(text: str, names: tuple[str, ...]) -> str | None:
    return next((n for n in names if text == n or text.startswith(n)), None)


def check_structure(
    body: str, *, kind: str, path: Path, shown: str, body_line: int, content_dir: Path,
    max_image_bytes: int,
) -> list[Finding]:  # fmt: skip
    """Every structure problem of one body; ``body_line`` is the file line the body starts on."""
    out: list[Finding] = []
    lines = body.split("\n")
    heads = _headings(body)

    def at(line0: int) -> int:
        return body_line + line0

    previous = 1
    for h in heads:
        if h.level == 1:
            out.append(Finding(
                "error", CHECK, f"本文に「# {h.text}」（レベル1の見出し）は使えません",
                shown, at(h.line), None, "body",
                "タイトルは front matter の title に書き、本文の見出しは ## から始めてください",
            ))  # fmt: skip
        elif h.level > previous + 1:
            out.append(Finding(
                "error", CHECK,
                f"見出しのレベルが飛んでいます（{'#' * previous} の次に {'#' * h.level} {h.text}）",
                shown, at(h.line), None, "body",
                f"{'#' * (previous + 1)} {h.text} にしてください",
            ))  # fmt: skip
        previous = max(h.level, 1)

    required = SECTIONS.get(kind, ())
    # imported material (kb import) is whatever the document says: its sections are advice
    severity: Severity = "warning" if kind in ADVISORY_SECTIONS else "error"
    missing: list[str] = []  # advisory sections: one warning names them all
    for name in required:
        found = [h for h in heads if _section_name(h.text, (name,))]
        top = [h for h in found if h.level == SECTION_LEVEL]
        if not found and severity == "warning":
            missing.append(name)
            continue
        if not found:
            out.append(Finding(
                severity, CHECK, f"必須の見出し「## {name}」がありません",
                shown, body_line, None, "body",
                f"種別 {kind} の本文には ## {' / ## '.join(required)} の見出しが必要です",
            ))  # fmt: skip
            continue
        if not top:
            h = found[0]
            out.append(Finding(
                severity, CHECK, f"見出し「{h.text}」は ## の見出しにしてください",
                shown, at(h.line), None, "body",
                f"行頭を「## {h.text}」にしてください",
            ))  # fmt: skip
            continue
        h = top[0]
        nxt = next((o.line for o in heads if o.line > h.line and o.level <= SECTION_LEVEL), None)
        section = "\n".join(lines[h.end : nxt if nxt is not None else len(lines)])
        text = strip_comments(section).strip()
        if not text:
            out.append(Finding(
                severity, CHECK, f"「{h.text}」の本文が空です",
                shown, at(h.line), None, "body", "見出しの下に内容を書いてください",
            ))  # fmt: skip
        elif PLACEHOLDER in text:
            offset = section.split("\n").index(
                next(s for s in section.split("\n") if PLACEHOLDER in s)
            )
            out.append(Finding(
                "warning", CHECK, f"「{h.text}」に未記入のひな形の文言「{PLACEHOLDER}」が残っています",
                shown, at(h.end + offset), None, "body",
                f"「{PLACEHOLDER}」を消して内容を書いてください",
            ))  # fmt: skip
    if missing:
        out.append(Finding(
            "warning", CHECK, f"見出し「## {'」「## '.join(missing)}」がありません",
            shown, body_line, None, "body",
            f"種別 {kind} の本文は ## {' / ## '.join(required)} の見出しで整理することを勧めます"
            "（取り込んだ資料はそのままでも検索できます）",
        ))  # fmt: skip
    out.extend(_links(lines, path, shown, body_line, content_dir, max_image_bytes))
    return out


def _links(
    lines: list[str], path: Path, shown: str, body_line: int, content_dir: Path,
    max_image_bytes: int,
) -> list[Finding]:  # fmt: skip
    out: list[Finding] = []
    fence: str | None = None
    root: Path | None = None  # resolved on the first relative link
    for i, line in enumerate(lines):
        m = _FENCE.match(line)
        if m:
            mark = m.group(1)[0]
            fence = None if fence == mark else (fence or mark)
            continue
        if fence:
            continue
        for link in _LINK.finditer(strip_comments(line, blank=True)):
            image, url = link.group(1) == "!", link.group(2)
            if _SCHEME.match(url) or url.startswith(("#", "/")):
                continue
            rel = unquote(url.split("#", 1)[0].split("?", 1)[0])
            if not rel:
                continue
            target = (path.parent / rel).resolve()
            root = root or content_dir.resolve()
            what = "画像" if image else "リンク先"
            if not target.is_relative_to(root) or not target.is_file():
                out.append(Finding(
                    "error", CHECK, f"{what}のファイルがありません: {url}",
                    shown, body_line + i, link.start() + 1, "body",
                    "事例ファイルのフォルダからの相対パスで、content/ の中にあるファイルを指定してください",
                ))  # fmt: skip
                continue
            size = target.stat().st_size
            if image and size > max_image_bytes:
                out.append(Finding(
                    "error", CHECK,
                    f"画像が大きすぎます: {url}（{size:,} バイト、上限 {max_image_bytes:,} バイト）",
                    shown, body_line + i, link.start() + 1, "body",
                    "画像を縮小・圧縮してください（上限は KB_MAX_IMAGE_BYTES）",
                ))  # fmt: skip
    return out
