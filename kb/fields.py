"""The front-matter fields as people fill them in: label, control, choices and the rule that
turns what was typed into the value written. The web form (``/new``) and `kb new` both use
these, so they accept the same input and say the same thing about it.

Messages here are for editors, not developers: plain Japanese, no file names, no keys.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from kb.case import ID_MAX_LENGTH, MAX_SUMMARY_SENTENCES, YEAR_MAX, YEAR_MIN, sentences
from kb.checks.structure import SECTIONS
from kb.taxonomy import Taxonomy, Vocabulary, fold

Control = Literal["text", "textarea", "select", "radio", "checkboxes", "year", "date", "words"]

VISIBILITY = {"internal": "内部（指導員のみ）", "public": "公開"}
_VISIBILITY_WORDS = {"公開": "public", "内部": "internal", "内部限り": "internal",
                     "非公開": "internal", "指導員のみ": "internal"}  # fmt: skip
_ERAS = {"令和": 2018, "r": 2018, "平成": 1988, "h": 1988}
_NUMBER = r"(元|\d{1,4})"
_YEAR = re.compile(rf"(令和|平成|[rh])?\s*{_NUMBER}\s*(?:年度|年)?")
_DATE = re.compile(
    rf"(令和|平成|[rh])?\s*{_NUMBER}\s*[-/.年]\s*(\d{{1,2}})\s*[-/.月]\s*(\d{{1,2}})\s*日?"
)
_WORDS = re.compile(r"[,、，;；\s]+")
# the words an editor gives for the id, short enough for any prefecture, year and kind
# (kb.scaffold.propose_id: the id stays within ID_MAX_LENGTH)
MAX_SLUG = ID_MAX_LENGTH - len("kagoshima-2024-material--nnn") - 4
_TOP_HEADING = re.compile(r"^ {0,3}#{1,2}[ \t]+(.*?)[ \t#]*$", re.M)  # the form writes ## itself


class FieldError(ValueError):
    """What is wrong with one field's input, said for the person who typed it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    control: Control
    help: str
    required: bool = False
    vocab: str | None = None  # the taxonomy vocabulary the choices come from
    option: str = ""  # `kb new`'s option for it

    @property
    def flag(self) -> str:
        return self.option or "--" + self.name.replace("_", "-")


FIELDS: tuple[Field, ...] = (
    Field("title", "タイトル", "text", "何をして、どうなったかが分かる一文（例: 共同受注システムの導入による受発注業務のDX）", True),
    Field("summary", "要約", "textarea", "1〜3文で、何を・なぜ・どうなったかを書きます。", True),
    Field("kind", "種別", "radio", "事例・質疑応答・指導資料のどれかを選びます。", True, "kinds"),
    Field("themes", "テーマ", "checkboxes", "当てはまるものをすべて選びます（1つ以上）。", True, "themes"),
    Field("prefecture", "都道府県", "select", "組合の所在地。全国的な取組は「全国」。", True, "prefectures"),
    Field("year", "年度", "year", "西暦（2024）でも和暦（令和6、R6、平成30）でも書けます。", True),
    Field("visibility", "公開範囲", "radio", "「公開」にすると一般向けの公開ページにも載ります。", True),
    Field("organization", "組合名", "text", "例: ○○工業協同組合（任意）"),
    Field("organization_type", "組織形態", "select", "任意", vocab="organization_types"),
    Field("industry", "業種", "select", "組合員の主な業種（任意）", vocab="industries"),
    Field("programs", "活用した支援施策", "checkboxes", "使った補助金・計画などを選びます（任意）。", vocab="programs"),
    Field("tags", "タグ", "words", "検索に使う語を、読点・カンマ・空白で区切って書きます（任意）。"),
    Field("published", "公開日", "date", "例: 2024-03-15（任意）"),
    Field("slug", "ファイル名に使う英語", "text", "英小文字と数字（例: kyodo-juchu）。空欄ならタイトルかテーマから作ります。"),
)  # fmt: skip
BY_NAME = {f.name: f for f in FIELDS}
BODY_PREFIX = "body-"  # the form's name of a section's text area: body-背景


def section_names(kind: str) -> tuple[str, ...]:
    return SECTIONS.get(kind, SECTIONS["case"])


def choices(field: Field, taxonomy: Taxonomy) -> list[tuple[str, str]]:
    """(value, label) pairs offered for ``field`` (empty for free-text fields)."""
    if field.name == "visibility":
        return list(VISIBILITY.items())
    if field.name == "kind":
        return list(taxonomy.kinds.items())
    if field.name == "themes":
        return [(t.key, t.label) for t in taxonomy.themes.values()]
    if field.vocab:
        return [(v, v) for v in taxonomy.vocab[field.vocab]]
    return []


# -- the rules -------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if isinstance(value, list):
        value = " ".join(str(v) for v in value)
    return unicodedata.normalize("NFC", str(value if value is not None else "")).strip()


def _items(value: Any) -> list[str]:
    if isinstance(value, str):
        value = _WORDS.split(value)
    return list(dict.fromkeys(s for v in value or [] if (s := _text(v))))


def _suggest(vocab: Vocabulary, value: str) -> str:
    found = vocab.suggest(value)
    return f"。もしかして「{'」「'.join(found)}」ですか?" if found else ""


def _from_vocab(vocab: Vocabulary, value: str, label: str) -> str:
    canonical = vocab.canonical(value)
    if canonical is None:
        raise FieldError(f"「{value}」は{label}の一覧にありません{_suggest(vocab, value)}")
    return canonical


def parse_year(value: str) -> int:
    """2024, ２０２４年, 2024年度, 令和6, 令和6年度, 令和元年, R6, H30 -> the Western year."""
    text = unicodedata.normalize("NFKC", value).strip().lower()
    m = _YEAR.fullmatch(text)
    if not m:
        raise FieldError("年度は 2024 のような西暦か、令和6・平成30 のような和暦で書いてください")
    era, number = m.group(1), m.group(2)
    n = 1 if number == "元" else int(number)
    if era:
        if n == 0 or (era in ("平成", "h") and n > 31):
            raise FieldError(f"{value} という年はありません")
        year = _ERAS[era] + n
    elif number == "元":
        raise FieldError("「元年」には令和か平成を付けてください（例: 令和元年）")
    else:
        year = n
    if not YEAR_MIN <= year <= YEAR_MAX:
        raise FieldError(f"年度は {YEAR_MIN}〜{YEAR_MAX} 年の間で書いてください（入力: {value}）")
    return year


def parse_date(value: str) -> date:
    """2024-03-15, 2024/3/15, 2024年3月15日, 令和6年3月15日 -> a date."""
    text = unicodedata.normalize("NFKC", value).strip().lower()
    m = _DATE.fullmatch(text)
    if not m:
        raise FieldError("公開日は 2024-03-15 のように年・月・日で書いてください")
    try:
        year = parse_year((m.group(1) or "") + m.group(2))
    except FieldError:
        raise FieldError(f"公開日の年は {YEAR_MIN}〜{YEAR_MAX} 年の間で書いてください") from None
    try:
        return date(year, int(m.group(3)), int(m.group(4)))
    except ValueError:
        raise FieldError(f"{value} という日付はありません") from None


def _summary(value: Any, tax: Taxonomy) -> str:
    text = _text(value)
    n = len(sentences(text))
    if n > MAX_SUMMARY_SENTENCES:
        raise FieldError(f"要約は {MAX_SUMMARY_SENTENCES} 文以内にしてください（いま {n} 文）")
    return text


def _kind(value: Any, tax: Taxonomy) -> str:
    text = _text(value)
    names = {fold(k): k for k in tax.kinds} | {fold(v): k for k, v in tax.kinds.items()}
    names.setdefault(fold("Q&A"), "qa")
    if fold(text) in names:
        return names[fold(text)]
    raise FieldError("種別は " + "・".join(tax.kinds.values()) + " のどれかを選んでください")


def _visibility(value: Any, tax: Taxonomy) -> str:
    text = _text(value)
    key = text.lower() if text.lower() in VISIBILITY else _VISIBILITY_WORDS.get(text)
    if key is None:
        raise FieldError("公開範囲は「公開」か「内部」を選んでください")
    return key


def _themes(value: Any, tax: Taxonomy) -> list[str]:
    out = []
    for item in _items(value):
        key = tax.theme_for(item)
        if key is None:
            labels = "、".join(t.label for t in tax.themes.values())
            raise FieldError(f"「{item}」というテーマはありません。次から選んでください: {labels}")
        out.append(key)
    return list(dict.fromkeys(out))


def _prefecture(value: Any, tax: Taxonomy) -> str:
    text = _text(value)
    vocab = tax.vocab["prefectures"]
    for suffix in ("", "都", "道", "府", "県"):  # 愛知 means 愛知県
        if (found := vocab.canonical(text + suffix)) is not None:
            return found
    raise FieldError(f"「{text}」という都道府県はありません{_suggest(vocab, text)}")


def _one(name: str) -> Callable[[Any, Taxonomy], str]:
    def parse(value: Any, tax: Taxonomy) -> str:
        field = BY_NAME[name]
        assert field.vocab
        return _from_vocab(tax.vocab[field.vocab], _text(value), field.label)

    return parse


def _programs(value: Any, tax: Taxonomy) -> list[str]:
    items = value if isinstance(value, list) else re.split(r"[,、，;；\n]+", _text(value))
    names = [s for v in items if (s := _text(v))]
    vocab = tax.vocab["programs"]
    return list(dict.fromkeys(_from_vocab(vocab, n, "支援施策") for n in names))


def _year(value: Any, tax: Taxonomy) -> int:
    return parse_year(_text(value))


def _published(value: Any, tax: Taxonomy) -> date:
    return parse_date(_text(value))


def _plain(value: Any, tax: Taxonomy) -> str:
    return _text(value)


def _tags(value: Any, tax: Taxonomy) -> list[str]:
    tags = _items(value)
    for tag in tags:
        if (theme := tax.theme_for(tag)) is not None:
            raise FieldError(f"「{tag}」はテーマ「{tax.theme_label(theme)}」と同じ意味です。"
                             "タグからは消して、テーマで選んでください")  # fmt: skip
    return tags


def _slug(value: Any, tax: Taxonomy) -> str:
    text = _text(value)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9 _-]*", unicodedata.normalize("NFKC", text)):
        raise FieldError("英字と数字で書いてください（例: kyodo-juchu）。空欄でもかまいません")
    if len(text) > MAX_SLUG:
        raise FieldError(
            f"{MAX_SLUG} 文字以内の短い英単語 1〜4 語にしてください（いま {len(text)} 文字）"
        )
    return text


RULES: dict[str, Callable[[Any, Taxonomy], Any]] = {
    "title": _plain, "summary": _summary, "kind": _kind, "themes": _themes,
    "prefecture": _prefecture, "year": _year, "visibility": _visibility, "organization": _plain,
    "organization_type": _one("organization_type"), "industry": _one("industry"),
    "programs": _programs, "tags": _tags, "published": _published, "slug": _slug,
}  # fmt: skip


def _empty(value: Any) -> bool:
    return not _items(value) if isinstance(value, list) else not _text(value)


def parse(field: Field, value: Any, tax: Taxonomy) -> Any:
    """The value to write for ``field`` from what was typed or picked; FieldError if it is
    wrong. An empty optional field gives None (or an empty list)."""
    if _empty(value):
        if field.required:
            if field.control == "checkboxes":
                raise FieldError(f"{field.label}を1つ以上選んでください")
            if field.control in ("text", "textarea", "year"):
                raise FieldError(f"{field.label}を入力してください")
            raise FieldError(f"{field.label}を選んでください")
        return [] if field.control in ("checkboxes", "words") else None
    return RULES[field.name](value, tax)


@dataclass
class Entry:
    """A whole form or `kb new` run: every field's value, and a message per wrong field."""

    values: dict[str, Any]
    errors: dict[str, str]
    sections: dict[str, str]

    @property
    def ok(self) -> bool:
        return not self.errors


def read(data: Mapping[str, Any], tax: Taxonomy) -> Entry:
    """Check every field of ``data`` (form fields, JSON or `kb new` answers)."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in FIELDS:
        try:
            values[field.name] = parse(field, data.get(field.name), tax)
        except FieldError as exc:
            errors[field.name] = exc.message
            values[field.name] = None
    kind = values.get("kind") or "case"
    sections = {n: _body(data.get(BODY_PREFIX + n)) for n in section_names(kind)}
    for name, text in sections.items():
        if m := _TOP_HEADING.search(text):
            errors[BODY_PREFIX + name] = (
                f"見出し「{m.group(1)}」は「### {m.group(1)}」と書いてください"
                f"（「{name}」の見出しはこのフォームが付けます）"
            )
    return Entry(values, errors, sections)


def _body(value: Any) -> str:
    text = str(value or "").replace("\r\n", "\n").replace("\r", "\n")
    return "\n".join(line.rstrip() for line in text.strip("\n").split("\n")).strip()
