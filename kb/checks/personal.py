"""Personal data in public cases: phone numbers, e-mail addresses, postal addresses with
house numbers, and individuals' names followed by 様/氏/さん/殿.

Patterns accept both widths (０５２ー１２３ー４５６７) and report the span as written.
Names are found with Sudachi's part of speech (名詞・固有名詞・人名), so 皆さん,
お客様 or 組合員Ｃ社 are not taken for names.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any

from kb.checks.finding import Finding

CHECK = "personal-data"
_D = "[0-9０-９]"
_H = "[-‐‑–—―−ー－]"
_NUM = "[0-9０-９一二三四五六七八九十〇]+"
_NOT_D = "(?<![0-9０-９.．,，])"

_ADDRESS = (
    rf"(?:都|道|府|県|市|区|町|村|郡)[一-龥ぁ-んァ-ヶー]{{0,12}}?"
    rf"(?:{_NUM}丁目(?:{_NUM}(?:番地?|{_H}))?(?:{_NUM}号?)?"
    rf"|{_NUM}番地(?:{_NUM}号?)?|{_NUM}番{_NUM}号?|{_D}+{_H}{_D}+(?:{_H}{_D}+)?)"
)

PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("電話番号", re.compile(
        rf"[(（][0０]{_D}{{1,4}}[)）]\s?{_D}{{1,4}}{_H}{_D}{{3,4}}(?!{_D})"
        rf"|{_NOT_D}[0０]{_D}{{1,4}}{_H}{_D}{{1,4}}{_H}{_D}{{3,4}}(?!{_D})"
        rf"|{_NOT_D}[0０]{_D}{{9,10}}(?!{_D})"
    )),
    ("メールアドレス", re.compile(
        r"[A-Za-z0-9._%+\-Ａ-Ｚａ-ｚ０-９]+[@＠][A-Za-z0-9\-Ａ-Ｚａ-ｚ０-９]+"
        r"(?:[.．][A-Za-z0-9\-Ａ-Ｚａ-ｚ０-９]+)+"
    )),
    ("郵便番号", re.compile(rf"〒\s*{_D}{{3}}{_H}?{_D}{{4}}")),
    ("番地までの住所", re.compile(rf"[一-龥ぁ-んァ-ヶ]{{0,6}}{_ADDRESS}")),
)  # fmt: skip
# Whether a pattern occurs anywhere in a text, found faster: the address without its
# optional lead, an e-mail address only where there is an @.
_SCREENS: dict[str, re.Pattern[str]] = {
    "メールアドレス": re.compile("[@＠]"),
    "番地までの住所": re.compile(_ADDRESS),
}
HONORIFICS = ("様", "氏", "さん", "殿")
_HONORIFIC = re.compile("|".join(HONORIFICS))
HINT = (
    "公開（public）事例には個人を特定できる情報を書けません。"
    "削除するか「組合員Ａ社」「担当者」などに置き換えるか、visibility を internal にしてください"
)


class _Tokenizer:
    """A Sudachi tokenizer per thread, made only when a line has an honorific."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._dictionary = None
        self._lock = threading.Lock()

    def tokenize(self, text: str) -> Any:
        from sudachipy import Dictionary, SplitMode

        with self._lock:
            if self._dictionary is None:
                self._dictionary = Dictionary(dict="core")
        tok = getattr(self._local, "tok", None)
        if tok is None:
            tok = self._dictionary.tokenizer(mode=SplitMode.C)  # type: ignore[attr-defined]
            self._local.tok = tok
        return tok.tokenize(text)


_TOKENIZER = _Tokenizer()


def names(line: str) -> Iterator[tuple[int, int]]:
    """Spans of a person's name followed by an honorific in ``line``."""
    if not _HONORIFIC.search(line):
        return
    morphemes = list(_TOKENIZER.tokenize(line))
    i = 0
    while i < len(morphemes):
        if morphemes[i].part_of_speech()[2] != "人名":
            i += 1
            continue
        j = i
        while j + 1 < len(morphemes) and morphemes[j + 1].part_of_speech()[2] == "人名":
            j += 1
        nxt = morphemes[j + 1] if j + 1 < len(morphemes) else None
        if nxt is not None and nxt.surface() in HONORIFICS:
            yield morphemes[i].begin(), nxt.end()
        i = j + 1


def check_personal(lines: list[str], *, shown: str, first_line: int = 1) -> list[Finding]:
    """Warnings for personal data in ``lines`` (the file's lines; ``first_line`` is line 1's)."""
    out: list[Finding] = []
    # A match in a line is also one in the whole text (a line edge is a newline there,
    # which no lookaround refuses), so patterns absent from the text are not tried per line.
    text = "\n".join(lines)
    patterns = [
        (label, pattern)
        for label, pattern in PATTERNS
        if (label not in _SCREENS or _SCREENS[label].search(text)) and pattern.search(text)
    ]
    honorific = _HONORIFIC.search(text) is not None
    if not patterns and not honorific:
        return out
    for n, line in enumerate(lines):
        spans: list[tuple[str, int, int]] = []
        for label, pattern in patterns:
            spans.extend((label, m.start(), m.end()) for m in pattern.finditer(line))
        if honorific:
            spans.extend(("個人名", s, e) for s, e in names(line))
        taken: list[tuple[int, int]] = []
        for label, start, end in sorted(spans, key=lambda s: (s[1], -s[2])):
            if any(start < e and s < end for s, e in taken):
                continue  # a phone number inside an address is reported once
            taken.append((start, end))
            out.append(Finding(
                "warning", CHECK, f"個人情報の可能性があります（{label}）: 「{line[start:end]}」",
                shown, first_line + n, start + 1, None, HINT,
            ))  # fmt: skip
    return out
