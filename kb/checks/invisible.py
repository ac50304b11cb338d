"""Invisible characters: zero-width characters and bidirectional controls.

Zero-width characters (often pasted in from web pages or PDFs) split words without
showing: 事業継続 with one inside is no longer found by a search for it. Bidirectional
controls make the text shown differ from the text stored (a reviewer reads one thing, the
index and the personal-data check see another); Japanese case studies have no use for
them, so they are errors, zero-width characters warnings.
"""

from __future__ import annotations

import re
from collections import Counter

from kb.checks.finding import Finding, Severity

CHECK = "invisible-characters"
ZERO_WIDTH = {
    "\u200b": "ゼロ幅スペース",
    "\u200c": "ゼロ幅非接合子",
    "\u200d": "ゼロ幅接合子",
    "\u2060": "単語結合子",
    "\ufeff": "ゼロ幅ノーブレークスペース（BOM）",
}
BIDI = {
    "\u202a": "左から右への埋め込み（LRE）",
    "\u202b": "右から左への埋め込み（RLE）",
    "\u202c": "方向の書式の終了（PDF）",
    "\u202d": "左から右への上書き（LRO）",
    "\u202e": "右から左への上書き（RLO）",
    "\u2066": "左から右への分離（LRI）",
    "\u2067": "右から左への分離（RLI）",
    "\u2068": "最初の強い文字による分離（FSI）",
    "\u2069": "方向の分離の終了（PDI）",
}
_KINDS: tuple[tuple[Severity, dict[str, str], str], ...] = (
    ("error", BIDI, "文字の向きを変える制御文字"),
    ("warning", ZERO_WIDTH, "見えない文字"),
)
INVISIBLE = re.compile(f"[{''.join(ZERO_WIDTH)}{''.join(BIDI)}]")
_HINTS: dict[Severity, str] = {
    "warning": "見えない文字は語を分けてしまい、検索で見つからない原因になります。"
    "エディタの「不可視文字を表示」などで探して削除してください（Web や PDF からの貼り付けで紛れ込みます）",
    "error": "文字の向きを変える制御文字は、画面に見える内容と実際の内容を食い違わせます。削除してください",
}


def _name(char: str) -> str:
    return f"{ZERO_WIDTH.get(char) or BIDI[char]}（U+{ord(char):04X}）"


def check_invisible(
    lines: list[str], *, shown: str, fields: dict[str, int], body_line: int
) -> list[Finding]:
    """One finding per line and kind holding invisible characters, at the first of them.

    ``lines`` are the file's lines; ``fields`` maps front matter keys to their line and
    ``body_line`` is the body's first line, so each finding names its field.
    """
    text = "\n".join(lines)
    if not INVISIBLE.search(text):
        return []
    starts = sorted((line, name) for name, line in fields.items() if line < body_line)
    out: list[Finding] = []
    for n, line in enumerate(lines, start=1):
        found = [(m.start(), m.group()) for m in INVISIBLE.finditer(line)]
        if not found:
            continue
        field = "body" if n >= body_line else next((f for s, f in reversed(starts) if s <= n), None)
        for severity, table, kind in _KINDS:
            mine = [(col, c) for col, c in found if c in table]
            if not mine:
                continue
            counts = Counter(c for _, c in mine)
            what = "、".join(_name(c) + (f" ×{k}" if k > 1 else "") for c, k in counts.items())
            out.append(Finding(
                severity, CHECK, f"{kind}があります: {what}",
                shown, n, mine[0][0] + 1, field, _HINTS[severity],
            ))  # fmt: skip
    return out
