"""The one Japanese normalizer, shared by indexing and querying.

SudachiPy (sudachidict-core) splits text into C units (dictionary words and
compounds such as 中小企業組合), each made of A units (中小 / 企業 / 組合).
Every A unit is reduced to a *term*: Sudachi's normalized form (which unifies
width, case, okurigana and common katakana variants: ＤＸ→dx, 打合せ→打ち合わせ,
サーバ→サーバー, シュミレーション→シミュレーション), then NFKC, lower case and a
few extra katakana rules. Documents index the terms; a query asks for each C
unit as a phrase of its terms, so 中小企業 finds 中小企業組合 while 組合員 does
not match 労働組合 alone.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sudachipy import Dictionary, SplitMode

VERSION = "5"  # bump when the output changes: every document is then re-indexed

# Parts of speech that carry no searchable meaning.
_SKIP_POS = frozenset(
    {"助詞", "助動詞", "補助記号", "空白", "記号", "接続詞", "感動詞", "代名詞", "連体詞"}
)
# Light verbs and adjectives (する, いる, ある, なる, できる, よい …) say nothing searchable.
_LIGHT = frozenset({"動詞", "形容詞"})
_MAX_CHUNK = 4000  # Sudachi refuses very long inputs; longer texts are cut at line ends
_OOV_IDS = 0xF0000000  # word ids from here on are Sudachi's out-of-vocabulary words
_KATAKANA = re.compile(r"^[ァ-ヺー]+$")
_VU = str.maketrans({"ヴ": "ブ"})
_VU_PAIRS = (("ブァ", "バ"), ("ブィ", "ビ"), ("ブェ", "ベ"), ("ブォ", "ボ"), ("ブュ", "ビュ"))
_SENTENCE_END = re.compile(r"[。！？!?\n]")


@dataclass(frozen=True, slots=True)
class Token:
    """One A unit: its term and its span in the analysed text."""

    term: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Unit:
    """One C unit: a word or compound, as the A-unit tokens it is made of."""

    tokens: tuple[Token, ...]

    @property
    def terms(self) -> tuple[str, ...]:
        return tuple(t.term for t in self.tokens)

    @property
    def start(self) -> int:
        return self.tokens[0].start

    @property
    def end(self) -> int:
        return self.tokens[-1].end


@lru_cache(maxsize=65536)
def fold_term(form: str) -> str:
    """Final folding of one normalized form: NFKC, lower case, katakana variants."""
    text = unicodedata.normalize("NFKC", form).lower()
    if _KATAKANA.match(text):
        if "ヴ" in text:
            text = text.translate(_VU)
            for a, b in _VU_PAIRS:
                text = text.replace(a, b)
        if len(text) >= 4 and text.endswith("ー"):
            text = text.rstrip("ー")  # コンピューター = コンピュータ (JIS Z 8301 style)
    return text


_GODAN_I = str.maketrans("うくぐすつぬぶむる", "いきぎしちにびみり")


def renyoukei(lemma: str, conjugation: str) -> str:
    """The 連用形 (noun form) of a verb lemma: 取り組む→取り組み, 受け入れる→受け入れ."""
    if conjugation.startswith("五段") and lemma:
        return lemma[:-1] + lemma[-1].translate(_GODAN_I)
    if ("一段" in conjugation or conjugation.startswith("カ行変格")) and lemma.endswith("る"):
        return lemma[:-1]
    if conjugation.startswith("サ行変格") and lemma.endswith("する"):
        return lemma[:-2] + "し"
    return lemma


# 東京都内 / 京都府下 are analysed as 東京 + 都内 / 京都 + 府下: after a place name these
# become 都 + 内 so that the phrase 東京 都 (東京都) still matches.
_ADMIN_AREA = frozenset({"都内", "府内", "県内", "道内", "都下", "府下", "県下"})


def _split_admin_area(tokens: list[Token], previous_end: int) -> list[Token]:
    out: list[Token] = []
    for t in tokens:
        joined = out[-1].end if out else previous_end
        if t.term in _ADMIN_AREA and joined == t.start and t.end - t.start == 2:
            out.append(Token(t.term[0], t.start, t.start + 1))
            out.append(Token(t.term[1], t.start + 1, t.end))
        else:
            out.append(t)
    return out


def _chunks(text: str) -> list[tuple[int, str]]:
    """``text`` in pieces of at most _MAX_CHUNK characters, cut after a newline if possible."""
    if len(text) <= _MAX_CHUNK:
        return [(0, text)]
    out = []
    start = 0
    while start < len(text):
        end = min(start + _MAX_CHUNK, len(text))
        if end < len(text):
            cut = text.rfind("\n", start, end)
            end = cut + 1 if cut > start else end
        out.append((start, text[start:end]))
        start = end
    return out


def sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences (and lines) of ``text``, empty ones dropped."""
    spans = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        end = m.end()
        if text[start:end].strip():
            spans.append((start, end))
        start = end
    if text[start:].strip():
        spans.append((start, len(text)))
    return spans


class Normalizer:
    """Thread-safe wrapper around one Sudachi tokenizer per thread."""

    def __init__(self) -> None:
        self._dictionary = Dictionary(dict="core")
        self._local = threading.local()
        # word id -> (surface length, A-unit (term, start, end) relative to the word);
        # an empty tuple means "skip". Dictionary words always analyse the same way.
        self._words: dict[tuple[int, int], tuple[tuple[str, int, int], ...]] = {}
        self._pos_info: dict[int, tuple[bool, str | None]] = {}

    def _tokenizer(self):
        tok = getattr(self._local, "tokenizer", None)
        if tok is None:
            # only the fields used here (same output, about 30% less tokenizing time)
            tok = self._dictionary.tokenizer(
                mode=SplitMode.C, fields={"pos", "normalized_form", "split_a"}
            )
            self._local.tokenizer = tok
        return tok

    def known(self, word: str) -> bool:
        """Whether ``word`` is one word of Sudachi's dictionary (ものづくり, ひきつぎ)."""
        morphemes = self._tokenizer().tokenize(word)
        return len(morphemes) == 1 and morphemes[0].word_id() < _OOV_IDS

    def readings(self, text: str) -> list[str]:
        """The Sudachi reading (katakana) of each content word of ``text``, in order:
        what kb.reading indexes so that a query in kana finds the kanji spelling."""
        tok = getattr(self._local, "reader", None)
        if tok is None:
            tok = self._dictionary.tokenizer(mode=SplitMode.C, fields={"pos", "reading_form"})
            self._local.reader = tok
        out = []
        for _, chunk in _chunks(text):
            for m in tok.tokenize(chunk):
                if not self._pos(m.part_of_speech_id())[0]:
                    reading = m.reading_form()
                    if reading:
                        out.append(reading)
        return out

    def _pos(self, pos_id: int) -> tuple[bool, str | None]:
        """(skip this word?, conjugation type if it is a verb) for a part-of-speech id."""
        info = self._pos_info.get(pos_id)
        if info is None:
            pos = self._dictionary.pos_of(pos_id)
            skip = pos[0] in _SKIP_POS or (pos[0] in _LIGHT and pos[1] == "非自立可能")
            info = self._pos_info[pos_id] = (skip, pos[4] if pos[0] == "動詞" else None)
        return info

    def _analyse(self, m: Any) -> tuple[tuple[str, int, int], ...]:
        """The A units of one C morpheme as (term, start, end) relative to its start."""
        skip, verb = self._pos(m.part_of_speech_id())
        if skip:
            return ()
        begin = m.begin()
        length = m.end() - begin
        if verb is not None:
            # A verb is indexed as its noun form (連用形) and never split, so 取り組んだ
            # meets 取組 / 取り組み and 受け入れた meets 受入れ.
            return ((renyoukei(fold_term(m.normalized_form()), verb), 0, length),)
        parts = m.split(SplitMode.A) if length > 1 else []
        if len(parts) <= 1:
            term = fold_term(m.normalized_form())
            return ((term, 0, length),) if term.strip() else ()
        out = []
        for p in parts:
            skip, part_verb = self._pos(p.part_of_speech_id())
            if skip:
                continue
            term = fold_term(p.normalized_form())
            if part_verb is not None:  # 働き方 = はたらき方: the verb inside a noun, too
                term = renyoukei(term, part_verb)
            if term.strip():
                out.append((term, p.begin() - begin, p.end() - begin))
        return tuple(out)

    def _words_of(self, text: str) -> Iterator[tuple[int, tuple[tuple[str, int, int], ...]]]:
        """(start, A units) of every content word of ``text``; A-unit offsets are relative."""
        tokenizer = self._tokenizer()
        words = self._words
        for offset, chunk in _chunks(text):
            for m in tokenizer.tokenize(chunk):
                wid = m.word_id()
                if wid >= _OOV_IDS:  # unknown words share ids: never cached
                    parts = self._analyse(m)
                else:
                    key = (wid, m.end() - m.begin())
                    parts = words.get(key)  # type: ignore[assignment]
                    if parts is None:
                        parts = words[key] = self._analyse(m)
                if parts:
                    yield offset + m.begin(), parts

    def units(self, text: str) -> list[Unit]:
        """The content units of ``text`` (particles, punctuation and spaces dropped)."""
        out: list[Unit] = []
        for begin, parts in self._words_of(text):
            tokens = [Token(t, begin + a, begin + b) for t, a, b in parts]
            if tokens[0].term in _ADMIN_AREA or (len(tokens) > 1 and tokens[1].term in _ADMIN_AREA):
                tokens = _split_admin_area(tokens, out[-1].end if out else -1)
            out.append(Unit(tuple(tokens)))
        return out

    def terms(self, text: str) -> list[str]:
        """The flat list of terms of ``text`` (the same as from ``units``, built faster)."""
        out: list[str] = []
        last_end = -1
        for begin, parts in self._words_of(text):
            if any(t in _ADMIN_AREA for t, _, _ in parts):
                tokens = [Token(t, begin + a, begin + b) for t, a, b in parts]
                out.extend(t.term for t in _split_admin_area(tokens, last_end))
            else:
                out.extend(t for t, _, _ in parts)
            last_end = begin + parts[-1][2]
        return out


_default: Normalizer | None = None
_lock = threading.Lock()


def get_normalizer() -> Normalizer:
    """The process-wide normalizer (loading the dictionary takes a moment)."""
    global _default
    with _lock:
        if _default is None:
            _default = Normalizer()
        return _default
