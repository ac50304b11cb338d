"""The text of a document file (PDF, Word, Excel, PowerPoint, text, Markdown, HTML) as
Markdown, page by page: what `kb import` writes as a case body and what `kb index`
searches in attachments.

PDFs are read with pdfminer.six, its layout analysis finding vertical (縦書き) columns
too; lines are then put back in reading order here: vertical columns right to left,
horizontal lines top to bottom, lines standing side by side in several cells read as
table rows, wrapped lines of Japanese joined without a space. Fonts with Shift_JIS-era
CMaps (90ms-RKSJ …) are mapped to Unicode by pdfminer's own CMap tables. Office files
are in kb.office. Every failure is an ExtractionError in Japanese, naming the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from kb.errors import ExtractionError
from kb.office import docx, escape_line, md_table, pptx, xlsx

VERSION = "1"  # bump when the text of any file type comes out differently
KINDS = {
    ".pdf": "PDF",
    ".docx": "Word",
    ".xlsx": "Excel",
    ".pptx": "PowerPoint",
    ".txt": "テキスト",
    ".md": "Markdown",
    ".html": "HTML",
    ".htm": "HTML",
}
PAGE_UNITS = {".pdf": "ページ", ".pptx": "スライド", ".xlsx": "シート"}
_CJK = r"\u3000-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK_SPACE = re.compile(rf"(?<=[{_CJK}]) +(?=[{_CJK}])")


@dataclass
class Extracted:
    """A document as Markdown pages (a PDF page, a slide, a sheet; other files: one)."""

    pages: list[str]
    title: str | None
    unit: str  # what a page is called (ページ, スライド, シート), "" when there is one

    @property
    def markdown(self) -> str:
        return "\n\n".join(p for p in self.pages if p.strip())


def supported(path: Path) -> bool:
    return path.suffix.lower() in KINDS


def extract(path: Path, *, shown: str | None = None, max_bytes: int) -> Extracted:
    """The text of ``path``; raises ExtractionError (unknown type, too large, encrypted,
    no text layer, unreadable) with the file named as ``shown``."""
    shown = shown or str(path)
    suffix = path.suffix.lower()
    if suffix not in KINDS:
        raise ExtractionError(
            f"この種類のファイルは取り込めません（{path.suffix or '拡張子なし'}）",
            path=shown,
            hint="取り込めるのは " + " ".join(sorted(set(KINDS))) + " です",
        )
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ExtractionError(f"ファイルを読めません（{exc.strerror}）", path=shown) from exc
    if size > max_bytes:
        raise ExtractionError(
            f"ファイルが大きすぎます（{size:,} バイト、上限 {max_bytes:,} バイト）",
            path=shown,
            hint="ファイルを分けるか、上限（KB_MAX_DOCUMENT_BYTES）を上げてください",
        )
    try:
        if suffix == ".pdf":
            pages, title = _pdf(path, shown)
        elif suffix == ".docx":
            pages, title = docx(path)
        elif suffix == ".xlsx":
            pages, title = xlsx(path)
        elif suffix == ".pptx":
            pages, title = pptx(path)
        elif suffix in (".html", ".htm"):
            pages, title = _html(decode(path.read_bytes(), shown))
        else:
            pages, title = _plain(decode(path.read_bytes(), shown), shown, markdown=suffix == ".md")
    except ExtractionError:
        raise
    except Exception as exc:  # every library's own errors: the file is damaged
        raise ExtractionError(
            f"{KINDS[suffix]} ファイルとして読めません（壊れているか、形式が違います: "
            f"{type(exc).__name__}）",
            path=shown,
            hint="元のアプリケーションで開けるか確かめ、保存し直してください",
        ) from exc
    pages = [p.strip() for p in pages]
    if not any(pages):
        raise ExtractionError(
            "文字情報がありません"
            + ("（スキャンした画像だけの PDF です）" if suffix == ".pdf" else ""),
            path=shown,
            hint="OCR で文字を付けた PDF にするか、本文を手で書いてください"
            if suffix == ".pdf"
            else "中身のあるファイルか確かめてください",
        )
    return Extracted(pages, title, PAGE_UNITS.get(suffix, ""))


# -- text -------------------------------------------------------------------------------


def decode(raw: bytes, shown: str) -> str:
    """Text bytes as str: UTF-8 (with or without BOM), else Shift_JIS (cp932), else EUC-JP."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16").replace("\r\n", "\n")
    for encoding in ("utf-8-sig", "cp932", "euc_jp"):
        try:
            return raw.decode(encoding).replace("\r\n", "\n").replace("\r", "\n")
        except UnicodeDecodeError:
            continue
    raise ExtractionError(
        "文字コードを判別できません（UTF-8・Shift_JIS・EUC-JP のいずれでもありません）",
        path=shown,
        hint="UTF-8 で保存し直してください",
    )


def _plain(text: str, shown: str, *, markdown: bool) -> tuple[list[str], str | None]:
    if "\x00" in text:
        raise ExtractionError(
            "テキストではなくバイナリファイルです", path=shown, hint="拡張子を確かめてください"
        )
    if markdown:
        if text.startswith("---\n"):  # another tool's front matter: not part of the text
            end = text.find("\n---", 4)
            text = text[end + 4 :] if end > 0 else text
        m = re.search(r"^#\s+(.+)$", text, re.M)
        return [shift_headings(drop_local_links(text))], m.group(1).strip() if m else None
    lines = [escape_line(line.rstrip()) for line in text.split("\n")]
    first = next((line.strip() for line in lines if line.strip()), None)
    return ["\n".join(lines)], first


def shift_headings(markdown: str, top: int = 2) -> str:
    """``markdown`` with its ATX headings moved so the highest is level ``top`` (a case body
    starts at ##) and none skips a level (### after ## at most), outside fenced code."""
    lines = markdown.split("\n")
    found = []
    fence = False
    for i, line in enumerate(lines):
        if re.match(r"^\s{0,3}(```|~~~)", line):
            fence = not fence
        elif not fence and (m := re.match(r"^(#{1,6})(\s.*)?$", line)):
            found.append((i, len(m.group(1)), m.group(2) or ""))
    if not found:
        return markdown
    shift = top - min(level for _, level, _ in found)
    previous = top - 1
    for i, level, rest in found:
        level = min(level + shift, previous + 1, 6)
        lines[i] = "#" * level + rest
        previous = level
    return "\n".join(lines)


_LOCAL_LINK = re.compile(r"!?\[([^\]]*)\]\((?![a-zA-Z][a-zA-Z0-9+.-]*:|#)[^)]*\)")


def drop_local_links(markdown: str) -> str:
    """Links and images to files beside an imported Markdown file, as their text (the files
    are not imported with it)."""
    return _LOCAL_LINK.sub(lambda m: m.group(1), markdown)


class _Html(HTMLParser):
    """HTML as Markdown blocks: headings, paragraphs, list items and tables; scripts,
    styles and markup dropped."""

    _BLOCKS = frozenset(
        {"p", "div", "li", "section", "article", "br", "dd", "dt", "blockquote", "pre"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.text: list[str] = []
        self.title: str | None = None
        self.heading: int = 0
        self.skip = 0
        self.in_title = False
        self.rows: list[list[str]] | None = None
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "noscript", "template"):
            self.skip += 1
        elif tag == "title":
            self.in_title = True
        elif re.fullmatch(r"h[1-6]", tag):
            self._flush()
            self.heading = int(tag[1])
        elif tag in self._BLOCKS:
            self._flush()
        elif tag == "table":
            self._flush()
            self.rows = []
        elif tag == "tr" and self.rows is not None:
            self.rows.append([])
        elif tag in ("td", "th") and self.rows is not None:
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "noscript", "template"):
            self.skip = max(0, self.skip - 1)
        elif tag == "title":
            self.in_title = False
        elif re.fullmatch(r"h[1-6]", tag) or tag in self._BLOCKS:
            self._flush()
        elif tag in ("td", "th") and self.rows is not None and self.cell is not None:
            if not self.rows:
                self.rows.append([])
            self.rows[-1].append(" ".join("".join(self.cell).split()))
            self.cell = None
        elif tag == "table" and self.rows is not None:
            self.blocks.append(md_table(self.rows))
            self.rows = None

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        if self.in_title:
            self.title = (self.title or "") + data.strip()
        elif self.cell is not None:
            self.cell.append(data)
        elif self.rows is None:
            self.text.append(data)

    def _flush(self) -> None:
        text = " ".join("".join(self.text).split())
        self.text = []
        if text:
            if self.heading:
                self.title = self.title or (text if self.heading == 1 else None)
                self.blocks.append("#" * self.heading + " " + text)
            else:
                self.blocks.append(escape_line(text))
        self.heading = 0


def _html(text: str) -> tuple[list[str], str | None]:
    parser = _Html()
    parser.feed(text)
    parser.close()
    parser._flush()
    return [shift_headings("\n\n".join(b for b in parser.blocks if b))], parser.title


# -- PDF --------------------------------------------------------------------------------


def _pdf(path: Path, shown: str) -> tuple[list[str], str | None]:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    params = LAParams(detect_vertical=True)
    try:
        # pdfminer puts a space where characters stand apart; Japanese has none between words
        pages = [
            _CJK_SPACE.sub("", _page_text(page))
            for page in extract_pages(str(path), laparams=params)
        ]
    except (PDFPasswordIncorrect, PDFEncryptionError) as exc:
        raise ExtractionError(
            "パスワードで保護（暗号化）された PDF です",
            path=shown,
            hint="パスワードを外した PDF を用意してください",
        ) from exc
    return pages, _pdf_title(path)


def _pdf_title(path: Path) -> str | None:
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfparser import PDFParser
    from pdfminer.pdftypes import resolve1

    try:
        with path.open("rb") as f:
            info = PDFDocument(PDFParser(f)).info
        raw = resolve1(info[0].get("Title")) if info else None
    except Exception:
        return None
    if isinstance(raw, bytes):
        if raw.startswith(b"\xfe\xff"):
            return raw[2:].decode("utf-16-be", "replace").strip() or None
        return raw.decode("latin-1").strip() or None
    return None


def _lines(item: Any) -> list[Any]:
    from pdfminer.layout import LTTextLine

    if isinstance(item, LTTextLine):
        return [item]
    out = []
    if hasattr(item, "__iter__"):
        for child in item:
            out.extend(_lines(child))
    return out


def _page_text(page: Any) -> str:
    """One PDF page as Markdown: vertical columns right to left, then horizontal rows top to
    bottom (several cells side by side make table rows)."""
    from pdfminer.layout import LTTextLineVertical

    lines = [ln for ln in _lines(page) if ln.get_text().strip()]
    vertical = [ln for ln in lines if isinstance(ln, LTTextLineVertical)]
    horizontal = [ln for ln in lines if not isinstance(ln, LTTextLineVertical)]
    blocks: list[str] = []
    if vertical:
        cols = sorted(vertical, key=lambda ln: (-round(ln.x1), -ln.y1))
        para: list[str] = []
        for col in cols:
            text = _squash(col.get_text()).replace(" ", "")
            para.append(text)
            if text.endswith(("。", "」", "．")):
                blocks.append("".join(para))
                para = []
        if para:
            blocks.append("".join(para))
    blocks.extend(_rows_to_blocks(_rows(horizontal)))
    return "\n\n".join(escape_line(b) if not b.startswith("|") else b for b in blocks)


def _rows(lines: list[Any]) -> list[list[Any]]:
    """Lines grouped into rows standing at the same height, top to bottom, left to right."""
    rows: list[list[Any]] = []
    for ln in sorted(lines, key=lambda ln: (-ln.y1, ln.x0)):
        mid = (ln.y0 + ln.y1) / 2
        if rows:
            last = rows[-1][0]
            if last.y0 <= mid <= last.y1:
                rows[-1].append(ln)
                continue
        rows.append([ln])
    return [sorted(r, key=lambda ln: ln.x0) for r in rows]


def _rows_to_blocks(rows: list[list[Any]]) -> list[str]:
    """Runs of rows with several cells become tables; other rows are paragraphs, lines
    wrapped inside one joined (without a space between Japanese characters)."""
    blocks: list[str] = []
    table: list[list[str]] = []
    para: list[str] = []
    last_bottom: float | None = None
    last_right = last_height = 0.0
    right = max((ln.x1 for row in rows for ln in row), default=0.0)

    def flush_para() -> None:
        if para:
            blocks.append(_join(para))
            para.clear()

    def flush_table() -> None:
        if len(table) >= 2:
            blocks.append(md_table(table))
        elif table:
            blocks.append(" ".join(table[0]))
        table.clear()

    for row in rows:
        cells = [_squash(ln.get_text()) for ln in row]
        height = max(ln.y1 - ln.y0 for ln in row)
        top = max(ln.y1 for ln in row)
        gap = (last_bottom - top) if last_bottom is not None else 0.0
        last_bottom = min(ln.y0 for ln in row)
        if len(cells) >= 2:
            flush_para()
            table.append(cells)
            continue
        flush_table()
        # a line ending well before the right margin, or with a sentence, was not wrapped;
        # a change of font size starts another block (a heading and its text)
        ended = last_right < right - 2 * height or (bool(para) and para[-1].endswith("。"))
        resized = last_height and abs(height - last_height) > 0.15 * last_height
        if para and (gap > 0.8 * height or ended or resized):
            flush_para()
        para.append(cells[0])
        last_right, last_height = row[0].x1, height
    flush_para()
    flush_table()
    return blocks


def _squash(text: str) -> str:
    """Runs of ASCII white space as one space (a full-width space is text and stays)."""
    return re.sub(r"[ \t\r\n]+", " ", text).strip()


def _join(lines: list[str]) -> str:
    out = lines[0]
    for line in lines[1:]:
        sep = "" if re.match(rf"[{_CJK}]", out[-1:]) and re.match(rf"[{_CJK}]", line) else " "
        out += sep + line
    return out
