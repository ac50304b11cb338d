"""Readings: a word's pronunciation as an ASCII key, so a query typed in kana finds the
kanji spelling (じぎょうしょうけい = 事業承継, かかくてんか = 価格転嫁).

Documents carry, for their title, tags, summary and headings, the Sudachi reading of each
word and of each run of two and three neighbouring words (事業 / 承継 → jigyou, shoukei,
jigyoushoukei), written as romaji: Meilisearch splits kana strings into pieces of its own,
while a Latin word stays whole. A query word typed entirely in kana that Sudachi does not
know as one word becomes that key; hiragana and katakana give the same key, and so do
ぢ/じ, づ/ず and a long-vowel mark (ー) with the vowel it stands for.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_HIRA_TO_KATA = {c: c + 0x60 for c in range(ord("ぁ"), ord("ゖ") + 1)}
KANA_WORD = re.compile(r"^[ぁ-ゖァ-ヺー]+$")
# words of this many kana or more are looked up by reading (shorter ones are too ambiguous)
MIN_KANA = 4

_BASE = {
    "ア": "a", "イ": "i", "ウ": "u", "エ": "e", "オ": "o",
    "カ": "ka", "キ": "ki", "ク": "ku", "ケ": "ke", "コ": "ko",
    "ガ": "ga", "ギ": "gi", "グ": "gu", "ゲ": "ge", "ゴ": "go",
    "サ": "sa", "シ": "shi", "ス": "su", "セ": "se", "ソ": "so",
    "ザ": "za", "ジ": "ji", "ズ": "zu", "ゼ": "ze", "ゾ": "zo",
    "タ": "ta", "チ": "chi", "ツ": "tsu", "テ": "te", "ト": "to",
    "ダ": "da", "ヂ": "ji", "ヅ": "zu", "デ": "de", "ド": "do",
    "ナ": "na", "ニ": "ni", "ヌ": "nu", "ネ": "ne", "ノ": "no",
    "ハ": "ha", "ヒ": "hi", "フ": "fu", "ヘ": "he", "ホ": "ho",
    "バ": "ba", "ビ": "bi", "ブ": "bu", "ベ": "be", "ボ": "bo",
    "パ": "pa", "ピ": "pi", "プ": "pu", "ペ": "pe", "ポ": "po",
    "マ": "ma", "ミ": "mi", "ム": "mu", "メ": "me", "モ": "mo",
    "ヤ": "ya", "ユ": "yu", "ヨ": "yo",
    "ラ": "ra", "リ": "ri", "ル": "ru", "レ": "re", "ロ": "ro",
    "ワ": "wa", "ヰ": "i", "ヱ": "e", "ヲ": "o", "ン": "n", "ヴ": "bu",
    "ァ": "a", "ィ": "i", "ゥ": "u", "ェ": "e", "ォ": "o", "ヮ": "wa",
    "ャ": "ya", "ュ": "yu", "ョ": "yo", "ヵ": "ka", "ヶ": "ke",
}  # fmt: skip
_SMALL_Y = {"ャ": "a", "ュ": "u", "ョ": "o"}
_SMALL_V = {"ァ": "a", "ィ": "i", "ゥ": "u", "ェ": "e", "ォ": "o"}


def katakana(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_HIRA_TO_KATA)


@lru_cache(maxsize=65536)
def reading_key(kana: str) -> str:
    """Kana (either script) -> the ASCII key a reading is indexed and searched as."""
    text = katakana(kana)
    out: list[str] = []
    i = 0
    double = False
    while i < len(text):
        c = text[i]
        nxt = text[i + 1] if i + 1 < len(text) else ""
        if c == "ッ":
            double = True
            i += 1
            continue
        syl = _BASE.get(c)
        if syl is None:
            vowel = out[-1][-1] if c == "ー" and out else ""
            syl = vowel if vowel in ("a", "i", "u", "e", "o") else ""
        elif nxt in _SMALL_Y and syl.endswith("i") and len(syl) > 1:
            stem = syl[:-1]
            syl = (stem if stem in ("sh", "ch", "j") else stem + "y") + _SMALL_Y[nxt]
            i += 1
        elif nxt in _SMALL_V and len(syl) > 1:
            syl = syl[:-1] + _SMALL_V[nxt]
            i += 1
        if double and syl:
            syl = syl[0] + syl
        double = False
        if syl:
            out.append(syl)
        i += 1
    return "".join(out)


def is_kana(text: str) -> bool:
    return bool(KANA_WORD.match(text))


def is_kana_word(word: str) -> bool:
    """A query word written only in kana, long enough to be looked up by reading."""
    return len(word) >= MIN_KANA and bool(KANA_WORD.match(unicodedata.normalize("NFKC", word)))


def reading_tokens(readings: list[str], span: int = 3) -> list[str]:
    """The keys of each word and of each run of up to ``span`` neighbouring words."""
    keys = [reading_key(r) for r in readings]
    out: list[str] = []
    for i in range(len(keys)):
        for n in range(1, span + 1):
            if i + n <= len(keys):
                key = "".join(keys[i : i + n])
                if key:
                    out.append(key)
    return out


_VOICED = str.maketrans(
    "カキクケコサシスセソタチツテトハヒフヘホ", "ガギグゲゴザジズゼゾダヂヅデドバビブベボ"
)


def rendaku_keys(readings: list[str]) -> list[str]:
    """The key of a compound's reading, then with one of its kana (after the first two)
    voiced, as compounds are often said (人手不足: Sudachi reads ヒトデフソク, people type
    ひとでぶそく): for a short vocabulary, not for text."""
    whole = "".join(readings)
    out = [reading_key(whole)]
    for i in range(2, len(whole)):
        voiced = whole[i].translate(_VOICED)
        if voiced != whole[i]:
            out.append(reading_key(whole[:i] + voiced + whole[i + 1 :]))
    return out
