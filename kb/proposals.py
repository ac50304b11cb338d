"""Front matter proposed from what an imported document says: title, summary, year (西暦,
令和・平成, full-width digits, or the file name), themes (the taxonomy's labels and
synonyms) and prefecture (named in the text). What cannot be found is listed in
``unsure``: the importer writes a value that passes `kb check` and leaves it to the editor.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from kb.normalize import sentences
from kb.taxonomy import Taxonomy

ERAS = {"令和": 2018, "平成": 1988, "R": 2018, "H": 1988}
_YEAR = re.compile(
    r"(?P<era>令和|平成)\s*(?P<n>元|\d{1,2})\s*年|(?P<west>(?:19|20)\d\d)\s*年"
    r"|(?<![A-Za-z0-9])(?P<short>[RH])(?P<sn>\d{1,2})(?:年|年度|[_\-. ]|$)"
)
_FILE_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")
SUMMARY_CHARS = 120
TITLE_CHARS = 80


@dataclass
class Proposal:
    title: str
    summary: str
    year: int
    themes: list[str]
    prefecture: str
    unsure: list[str] = field(default_factory=list)  # fields left for the editor


def nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def years(text: str) -> list[int]:
    """Every year ``text`` names (令和5年 → 2023, Ｒ５ → 2023, 2023年), in order."""
    out = []
    for m in _YEAR.finditer(nfkc(text)):
        if m.group("era"):
            n = 1 if m.group("n") == "元" else int(m.group("n"))
            year = ERAS[m.group("era")] + n
        elif m.group("west"):
            year = int(m.group("west"))
        else:
            year = ERAS[m.group("short")] + int(m.group("sn"))
        if 1990 <= year <= 2100:
            out.append(year)
    return out


def guess_year(title: str, text: str, file_name: str) -> int | None:
    """The year of the title, else the one the text names most (earliest first seen on a
    tie), else one in the file name."""
    found = years(title)
    if found:
        return found[0]
    found = years(text[:20_000])
    if found:
        counts = Counter(found)
        top = max(counts.values())
        return next(y for y in found if counts[y] == top)
    stem = nfkc(file_name)
    found = years(stem) or [int(y) for y in _FILE_YEAR.findall(stem) if 1990 <= int(y) <= 2100]
    return found[0] if found else None


def guess_themes(text: str, taxonomy: Taxonomy, limit: int = 3) -> list[str]:
    """Themes whose label parts or synonyms the text names, most named first."""
    folded = nfkc(text).lower()
    counts: dict[str, int] = {}
    for theme in taxonomy.themes.values():
        words = {w for w in (*theme.synonyms, *re.split(r"[・･]", theme.label)) if len(w) >= 2}
        n = sum(folded.count(nfkc(w).lower()) for w in words)
        if n:
            counts[theme.key] = n
    ranked = sorted(counts, key=lambda k: -counts[k])
    return ranked[:limit]


def guess_prefecture(text: str, taxonomy: Taxonomy) -> str | None:
    """The prefecture named most (its full name: 愛知県, 東京都 …); several equally often: None
    unless one is named in the first lines."""
    folded = nfkc(text)
    counts = {
        name: folded.count(name)
        for name in taxonomy.prefectures
        if name != "全国" and folded.count(name)
    }
    if not counts:
        return None
    top = max(counts.values())
    best = [n for n, c in counts.items() if c == top]
    if len(best) == 1:
        return best[0]
    head = folded[:300]
    named = [n for n in best if n in head]
    return min(named, key=head.index) if named else None


def summarize(text: str, title: str = "") -> str:
    """The first sentence or two, at most SUMMARY_CHARS characters (a valid summary); lines
    repeating the title are left out."""
    same = nfkc(title).replace(" ", "").replace("\u3000", "")
    kept = [
        line.strip()
        for line in text.split("\n")
        if line.strip() and nfkc(line).replace(" ", "").replace("\u3000", "") not in (same, "")
    ]
    flat = " ".join(kept)
    parts = [flat[a:b].strip() for a, b in sentences(flat)]
    parts = [p for p in parts if p and not p.startswith("|")]
    out = ""
    for part in parts[:2]:
        if len(out) + len(part) > SUMMARY_CHARS:
            break
        out += part
    if not out and parts:
        out = parts[0][: SUMMARY_CHARS - 1] + "…"
    return out or "（取り込んだ資料）"


def propose(
    *, title: str | None, text: str, file_name: str, taxonomy: Taxonomy,
    themes: list[str] | None, prefecture: str | None, fallback_year: int | None = None,
) -> Proposal:  # fmt: skip
    """Front matter for an imported document; ``themes``/``prefecture`` (the editor's flags)
    win over what is guessed."""
    unsure = []
    stem = file_name.rsplit(".", 1)[0]
    shown_title = " ".join((title or "").split())[:TITLE_CHARS] or stem
    year = guess_year(shown_title, text, file_name)
    if year is None:
        unsure.append("year")
        year = fallback_year or date.today().year
    chosen = list(themes or []) or guess_themes(f"{shown_title}\n{text}", taxonomy)
    if not chosen:
        unsure.append("themes")
        chosen = [next(iter(taxonomy.themes))]
    pref = prefecture or guess_prefecture(f"{shown_title}\n{text}", taxonomy)
    if pref is None:
        unsure.append("prefecture")
        pref = "全国"
    return Proposal(shown_title, summarize(text, shown_title), year, chosen, pref, unsure)
