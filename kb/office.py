"""Word, Excel and PowerPoint files (the OOXML formats) as Markdown, page by page.

python-docx, openpyxl and python-pptx read the files; this module only walks what they
give in document order: Word paragraphs and tables as they stand in the body (heading
styles become ## headings), each Excel sheet as a table, each PowerPoint slide with its
title, text and tables. A "page" is one sheet or one slide (a Word file is one page).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

# Word's heading styles, English and Japanese names: "Heading 2", "見出し 2", "Title", "表題"
_HEADING = re.compile(r"^(?:heading|見出し)\s*(\d)$", re.I)
_TITLE_STYLES = {"title", "表題"}


def md_table(rows: Iterable[Iterable[Any]]) -> str:
    """Rows of cells as a Markdown table (the first row is the header); empty rows dropped."""
    cleaned = []
    for row in rows:
        cells = [_cell(c) for c in row]
        if any(cells):
            cleaned.append(cells)
    if not cleaned:
        return ""
    width = max(len(r) for r in cleaned)
    while width > 1 and all(len(r) < width or not r[width - 1] for r in cleaned):
        width -= 1  # trailing empty columns
    cleaned = [(r + [""] * width)[:width] for r in cleaned]
    if width == 1:  # a single column reads better as lines
        return "\n\n".join(r[0] for r in cleaned if r[0])
    lines = ["| " + " | ".join(cleaned[0]) + " |", "|" + " --- |" * width]
    lines.extend("| " + " | ".join(r) + " |" for r in cleaned[1:])
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return re.sub(r"\s*\n\s*", " ", text).replace("|", "\\|")


def escape_line(text: str) -> str:
    """A line of plain text that Markdown will not read as a heading, list or quote."""
    return re.sub(r"^(\s*)([#>*+\-=|`~]|\d+[.)])", r"\1\\\2", text)


# -- Word ---------------------------------------------------------------------------


def docx(path: Path) -> tuple[list[str], str | None]:
    """The body of a .docx as one Markdown page, and its title (properties or Title style)."""
    import docx as python_docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    doc = python_docx.Document(str(path))
    title = (doc.core_properties.title or "").strip() or None
    names = {st.style_id: st.name or "" for st in doc.styles}
    blocks: list[str] = []
    for child in doc.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = Paragraph(child, doc)
            text = para.text.strip()
            if not text:
                continue
            # the style's name from its id (``para.style`` scans every style when none is set)
            style_id = para._p.style
            style = (names.get(style_id) or style_id or "") if style_id else ""
            m = _HEADING.match(style.strip())
            if style.strip().lower() in _TITLE_STYLES:
                title = title or text
                blocks.append(f"## {text}")
            elif m:
                blocks.append("#" * min(6, int(m.group(1)) + 1) + " " + text)
            else:
                blocks.append(escape_line(text))
        elif tag == "tbl":
            table = Table(child, doc)
            blocks.append(md_table([c.text for c in row.cells] for row in table.rows))
    return ["\n\n".join(b for b in blocks if b)], title


# -- Excel --------------------------------------------------------------------------


def xlsx(path: Path) -> tuple[list[str], str | None]:
    """Each sheet as ``## name`` and a table of its used cells (values, not formulas)."""
    import openpyxl

    book = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
    try:
        title = (book.properties.title or "").strip() or None
        pages = []
        for sheet in book.worksheets:
            table = md_table(sheet.iter_rows(values_only=True))
            pages.append(f"## {sheet.title}\n\n{table}".rstrip())
    finally:
        book.close()
    return pages, title


# -- PowerPoint ---------------------------------------------------------------------


def pptx(path: Path) -> tuple[list[str], str | None]:
    """Each slide as ``## its title`` followed by its other text and tables."""
    from pptx import Presentation

    deck = Presentation(str(path))
    title = (deck.core_properties.title or "").strip() or None
    pages = []
    for n, slide in enumerate(deck.slides, start=1):
        head = slide.shapes.title
        heading = head.text_frame.text.strip() if head is not None and head.has_text_frame else ""
        if n == 1 and heading:
            title = title or heading
        blocks = [f"## {heading or f'スライド {n}'}"]
        for shape in _shapes(slide.shapes):
            if head is not None and shape.shape_id == head.shape_id:
                continue
            if getattr(shape, "has_table", False) and shape.has_table:
                rows = ([c.text for c in row.cells] for row in shape.table.rows)
                blocks.append(md_table(rows))
            elif getattr(shape, "has_text_frame", False) and shape.has_text_frame:
                for para in shape.text_frame.paragraphs:
                    text = "".join(r.text for r in para.runs).strip()
                    if text:
                        blocks.append(escape_line(text))
        notes = slide.notes_slide.notes_text_frame.text.strip() if slide.has_notes_slide else ""
        if notes:
            blocks.append(escape_line(notes))
        pages.append("\n\n".join(b for b in blocks if b))
    return pages, title


def _shapes(shapes: Any) -> Iterator[Any]:
    """Every shape, groups opened, in reading order (top to bottom, then left to right)."""
    found: list[Any] = []
    for shape in shapes:
        if shape.shape_type == 6:  # MSO_SHAPE_TYPE.GROUP
            found.extend(_shapes(shape.shapes))
        else:
            found.append(shape)
    yield from sorted(found, key=lambda s: ((s.top or 0) // 10000, s.left or 0))
