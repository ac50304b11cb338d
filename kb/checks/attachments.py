"""Attachments whose text cannot be searched, and fields `kb import` could not guess.

Both are warnings: the case is valid, but an attachment that cannot be read (encrypted,
scanned without text, damaged) is not found by a search, and ``imported.unsure`` lists
front-matter values the importer had to make up until the editor has checked them.
"""

from __future__ import annotations

from kb.attachments import AttachmentTexts
from kb.case import Case
from kb.checks.finding import Finding

CHECK = "attachments"
_NAMES = {
    "title": "タイトル",
    "summary": "要約",
    "year": "年度",
    "themes": "テーマ",
    "prefecture": "都道府県",
}


def check_attachments(case: Case, texts: AttachmentTexts) -> list[Finding]:
    out = []
    line = case.lines.get("attachments")
    for i, att in enumerate(texts.of_case(case.source, case.attachments)):
        if att.error:
            out.append(Finding(
                "warning", CHECK, f"添付ファイル {att.rel} から文字を取り出せません: {att.error}",
                case.source, line, None, f"attachments[{case.attachments.index(att.rel)}]"
                if att.rel in case.attachments else f"attachments[{i}]",
                "このファイルの中身は検索されません。文字情報のある PDF や Office ファイルにしてください",
            ))  # fmt: skip
    if case.imported is not None and case.imported.unsure:
        names = "、".join(_NAMES.get(u, u) for u in case.imported.unsure)
        out.append(Finding(
            "warning", CHECK, f"kb import が推定できなかった項目があります: {names}",
            case.source, case.lines.get("imported"), None, "imported.unsure",
            "値を確かめて直し、imported の unsure の行を消してください",
        ))  # fmt: skip
    return out
