"""Real PDF, Word, Excel and PowerPoint files in Japanese, for the import tests and the
electronic-files benchmark (reportlab, python-docx, openpyxl, python-pptx).

PDFs use the IPAGothic TrueType font (fonts-ipafont-gothic) embedded, or the Shift_JIS
CID font HeiseiMin-W3 with the 90ms-RKSJ-H CMap (not embedded, as older Japanese PDFs
were written); vertical text is laid out one character under the other, columns right
to left, as a vertical writing mode places it.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

IPA_GOTHIC = Path("/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf")
_FONT = "IPAGothic"
_SJIS_FONT = "HeiseiMin-W3-90ms-RKSJ-H"


def _fonts() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import CIDFont
    from reportlab.pdfbase.ttfonts import TTFont

    if _FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(_FONT, str(IPA_GOTHIC)))
        pdfmetrics.registerFont(CIDFont("HeiseiMin-W3", "90ms-RKSJ-H"))


def write_pdf(
    path: Path,
    lines: Sequence[str] = (),
    *,
    title: str | None = None,
    table: Sequence[Sequence[str]] = (),
    vertical: Sequence[str] = (),
    sjis: Sequence[str] = (),
    more_pages: Sequence[Sequence[str]] = (),
    password: str | None = None,
    image_only: bool = False,
) -> Path:
    """A PDF: ``lines`` then ``table`` on page 1; ``vertical`` columns on their own page;
    ``sjis`` lines in a Shift_JIS CID font on their own page; each of ``more_pages`` a page.
    ``password`` encrypts it; ``image_only`` draws shapes and no text (a scan)."""
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen import canvas

    _fonts()
    enc = StandardEncryption(password, ownerPassword="owner") if password else None
    c = canvas.Canvas(str(path), pagesize=(595, 842), encrypt=enc)
    if title:
        c.setTitle(title)
    if image_only:
        for i in range(20):
            c.rect(50 + i * 10, 700 - i * 12, 300, 8, fill=1)
        c.showPage()
        c.save()
        return path
    c.setFont(_FONT, 11)
    y = 800.0
    for line in lines:
        c.drawString(50, y, line)
        y -= 18
    y -= 12
    for row in table:
        for j, cell in enumerate(row):
            c.drawString(50 + 150 * j, y, cell)
        y -= 18
    c.showPage()
    if vertical:
        c.setFont(_FONT, 12)
        x = 520.0
        for column in vertical:
            yy = 790.0
            for ch in column:
                c.drawString(x, yy, ch)
                yy -= 13
            x -= 24
        c.showPage()
    if sjis:
        c.setFont(_SJIS_FONT, 12)
        y = 800
        for line in sjis:  # reportlab writes the Shift_JIS bytes as they are
            c.drawString(50, y, line.encode("cp932").decode("latin-1"))
            y -= 18
        c.showPage()
    for page in more_pages:
        c.setFont(_FONT, 11)
        y = 800
        for line in page:
            c.drawString(50, y, line)
            y -= 18
        c.showPage()
    c.save()
    return path


def write_docx(
    path: Path,
    paragraphs: Sequence[str],
    *,
    title: str | None = None,
    heading: str | None = None,
    table: Sequence[Sequence[str]] = (),
) -> Path:
    import docx

    doc = docx.Document()
    if title:
        doc.core_properties.title = title
    if heading:
        doc.add_heading(heading, level=1)
    for text in paragraphs:
        doc.add_paragraph(text)
    if table:
        t = doc.add_table(rows=len(table), cols=len(table[0]))
        for i, row in enumerate(table):
            for j, cell in enumerate(row):
                t.cell(i, j).text = cell
    doc.save(str(path))
    return path


def write_xlsx(path: Path, sheets: dict[str, Sequence[Sequence[object]]]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    book.save(str(path))
    return path


def write_pptx(path: Path, slides: Sequence[tuple[str, Sequence[str]]]) -> Path:
    from pptx import Presentation

    deck = Presentation()
    for heading, lines in slides:
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = heading
        body = slide.placeholders[1].text_frame
        body.text = lines[0] if lines else ""
        for line in lines[1:]:
            body.add_paragraph().text = line
    deck.save(str(path))
    return path


# -- the benchmark's mixed corpus ---------------------------------------------------------

_SUBJECTS = [
    "事業継続計画",
    "価格転嫁",
    "事業承継",
    "デジタル化",
    "脱炭素",
    "人材確保",
    "インボイス制度",
]
_PLACES = ["愛知県", "長野県", "大阪府", "北海道", "福岡県", "東京都", "宮城県"]
_SENTENCES = [
    "{place}の組合では{subject}に向けた勉強会を開いた。",
    "組合員{n}社が参加し、{subject}の進め方を確認した。",
    "令和{era}年度の事業計画に{subject}の取組を位置付けた。",
    "中央会の指導員が{subject}のチェックリストを作成した。",
    "共同受注の体制を整え、売上は前年比{n}％増加した。",
    "専門家派遣を活用して{subject}の課題を整理した。",
]


def _paragraphs(rng: random.Random, i: int, count: int) -> list[str]:
    subject = _SUBJECTS[i % len(_SUBJECTS)]
    place = _PLACES[i % len(_PLACES)]
    out = []
    for _ in range(count):
        out.append(
            rng.choice(_SENTENCES).format(
                place=place, subject=subject, n=rng.randint(3, 40), era=rng.randint(1, 6)
            )
        )
    return out


def write_mixed(out: Path, count: int, seed: int = 1, sentences: int = 30) -> dict[str, int]:
    """``count`` files cycling PDF, Word, Excel and PowerPoint, each with a unique word
    (``kbdoc<i>``); returns how many of each type were written."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    written = {"pdf": 0, "docx": 0, "xlsx": 0, "pptx": 0}
    for i in range(count):
        kind = ("pdf", "docx", "xlsx", "pptx")[i % 4]
        text = _paragraphs(rng, i, sentences)
        text[0] += f"識別語 kbdoc{i} を含む。"
        title = f"{_SUBJECTS[i % len(_SUBJECTS)]}の手引き 第{i}号"
        path = out / f"doc-{i:05d}.{kind}"
        if kind == "pdf":
            pages = [text[j : j + 40] for j in range(0, len(text), 40)]
            write_pdf(path, pages[0], title=title, more_pages=pages[1:])
        elif kind == "docx":
            write_docx(path, text, title=title, heading=title)
        elif kind == "xlsx":
            rows: list[list[object]] = [["項目", "内容", "件数"]]
            rows += [[f"項目{j}", s, rng.randint(1, 99)] for j, s in enumerate(text)]
            write_xlsx(path, {"一覧": rows})
        else:
            slides = [(title, text[:3])] + [
                (f"スライド{j}", text[j : j + 3]) for j in range(3, len(text), 3)
            ]
            write_pptx(path, slides)
        written[kind] += 1
    return written
