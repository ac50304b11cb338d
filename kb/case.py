"""The Case model: the content contract as a declarative schema.

Each field says what it accepts; vocabulary fields are checked against the
taxonomy passed in the validation context and stored in canonical spelling.
Messages are Japanese and follow "expected …, got …; did you mean …?".
"""

from __future__ import annotations

import difflib
import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from kb.taxonomy import Taxonomy, Vocabulary

ID_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
# The file is named after the id (``<id>.md``): file systems allow 255 bytes per name.
ID_MAX_LENGTH = 100
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

# Fields the loader fills in; an editor may not write them in front matter.
LOADER_FIELDS = ("body", "source", "digest", "lines")


MAX_SUMMARY_SENTENCES = 3
YEAR_MIN, YEAR_MAX = 1990, 2100


def sentences(text: str) -> list[str]:
    """The sentences of ``text``, as the summary rule counts them."""
    # a full-width period before a digit is a decimal point (１．５倍), not a sentence end
    return [s for s in re.split(r"(?<=[。！？!?])|(?<=．)(?![0-9０-９])", text) if s.strip()]


def _taxonomy(info: ValidationInfo) -> Taxonomy:
    ctx = info.context or {}
    tax = ctx.get("taxonomy")
    if tax is None:  # pragma: no cover - programming error
        raise RuntimeError("Case validation needs context={'taxonomy': ...}")
    return tax


def _one_of(vocab: Vocabulary, value: Any, label: str) -> str:
    if not isinstance(value, str):
        raise PydanticCustomError(
            "kb_type", "文字列で指定してください（指定値: {got}）", {"got": value}
        )
    canonical = vocab.canonical(value)
    if canonical is not None:
        return canonical
    shown = (
        "、".join(vocab.values)
        if len(vocab) <= 15
        else f"{len(vocab)} 個の値（content/taxonomy.yml）"
    )
    suggestions = vocab.suggest(value)
    hint = f"。もしかして「{'」「'.join(suggestions)}」?" if suggestions else ""
    raise PydanticCustomError(
        "kb_vocab",
        "{label}は次のいずれかで指定してください: {allowed}（指定値: {got}）{hint}",
        {"label": label, "allowed": shown, "got": value, "hint": hint},
    )


# Fields `kb import` may leave for the editor to check (`imported.unsure`).
UnsureField = Literal["title", "summary", "year", "themes", "prefecture"]


class Imported(BaseModel):
    """Where an imported case came from (`kb import`): the original's path as it was
    imported and its content hash, so importing it again is recognised; ``unsure`` lists
    the fields that could not be read from the document (`kb check` warns until the
    editor has checked them and removed the list)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    file: Text
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    unsure: list[UnsureField] = Field(default_factory=list)


class Case(BaseModel):
    """One case study (事例), Q&A (質疑応答) or guidance material (指導資料)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    id: Annotated[str, Field(pattern=ID_PATTERN, max_length=ID_MAX_LENGTH)]
    title: Text
    summary: Text
    kind: str = "case"
    themes: Annotated[list[str], Field(min_length=1)]
    prefecture: str
    industry: str | None = None
    organization: Text | None = None
    organization_type: str | None = None
    programs: list[str] = Field(default_factory=list)
    tags: list[Text] = Field(default_factory=list)
    year: Annotated[int, Field(ge=YEAR_MIN, le=YEAR_MAX, strict=True)]
    published: date | None = None
    visibility: Literal["public", "internal"]
    attachments: list[Text] = Field(default_factory=list)
    featured: Annotated[bool, Field(strict=True)] = False
    imported: Imported | None = None

    # filled by the loader, never by editors
    body: str = Field("", exclude=True)
    source: str = Field("", exclude=True)
    digest: str = Field("", exclude=True)
    lines: dict[str, int] = Field(default_factory=dict, exclude=True)  # field -> line

    @field_validator("kind", mode="before")
    @classmethod
    def _kind(cls, v: Any, info: ValidationInfo) -> str:
        return _one_of(_taxonomy(info).vocab["kinds"], v, "種別")

    @field_validator("prefecture", mode="before")
    @classmethod
    def _prefecture(cls, v: Any, info: ValidationInfo) -> str:
        return _one_of(_taxonomy(info).vocab["prefectures"], v, "都道府県")

    @field_validator("industry", mode="before")
    @classmethod
    def _industry(cls, v: Any, info: ValidationInfo) -> str | None:
        return None if v is None else _one_of(_taxonomy(info).vocab["industries"], v, "業種")

    @field_validator("organization_type", mode="before")
    @classmethod
    def _org_type(cls, v: Any, info: ValidationInfo) -> str | None:
        vocab = _taxonomy(info).vocab["organization_types"]
        return None if v is None else _one_of(vocab, v, "組織形態")

    @field_validator("themes", mode="before")
    @classmethod
    def _themes(cls, v: Any, info: ValidationInfo) -> Any:
        if not isinstance(v, list):
            return v  # the list type check reports it
        tax = _taxonomy(info)
        vocab = tax.vocab["themes"]
        out = []
        for item in v:
            by_name = tax.theme_for(item) if isinstance(item, str) else None
            if isinstance(item, str) and vocab.canonical(item) is None and by_name:
                raise PydanticCustomError(
                    "kb_vocab",
                    "テーマはキーで指定してください（指定値: {got}）。もしかして「{key}」?",
                    {"got": item, "key": by_name},
                )
            out.append(_one_of(vocab, item, "テーマ"))
        if len(set(out)) != len(out):
            raise PydanticCustomError("kb_dup", "同じテーマが重複しています: {got}", {"got": out})
        return out

    @field_validator("programs", mode="before")
    @classmethod
    def _programs(cls, v: Any, info: ValidationInfo) -> Any:
        if not isinstance(v, list):
            return v
        vocab = _taxonomy(info).vocab["programs"]
        return [_one_of(vocab, item, "支援施策") for item in v]

    @field_validator("summary")
    @classmethod
    def _summary(cls, v: str) -> str:
        n = len(sentences(v))
        if n > MAX_SUMMARY_SENTENCES:
            raise PydanticCustomError(
                "kb_summary", "要約は1〜3文にしてください（{n} 文あります）", {"n": n}
            )
        return v

    @field_validator("featured")
    @classmethod
    def _featured(cls, v: bool, info: ValidationInfo) -> bool:
        if v and info.data.get("visibility", "public") != "public":
            raise PydanticCustomError(
                "kb_featured",
                "featured: true は公開事例（visibility: public）にだけ指定できます",
                {},
            )
        return v

    @field_validator("attachments")
    @classmethod
    def _attachments(cls, v: list[str]) -> list[str]:
        for item in v:
            if item.startswith(("/", "\\")) or ".." in re.split(r"[\\/]", item):
                raise PydanticCustomError(
                    "kb_path",
                    "添付ファイルは事例ファイルからの相対パスで、.. を含めないでください（指定値: {got}）",
                    {"got": item},
                )
        return v


FIELDS = [name for name in Case.model_fields if name not in LOADER_FIELDS]
REQUIRED = [n for n in FIELDS if Case.model_fields[n].is_required()]


def did_you_mean(name: str) -> list[str]:
    return difflib.get_close_matches(name, FIELDS, n=2, cutoff=0.6)


# pydantic's built-in error types, said in Japanese
_MESSAGES = {
    "missing": "必須項目がありません",
    "string_type": "文字列で指定してください",
    "string_too_short": "空にはできません",
    "string_too_long": "{max_length} 文字以内で書いてください",
    "string_pattern_mismatch": "半角英小文字・数字とハイフンで書いてください（例: aichi-2023-kakaku-tenka）",
    "int_type": "整数で指定してください（例: 2023）",
    "int_parsing": "整数で指定してください（例: 2023）",
    "greater_than_equal": "1990〜2100 の年度で指定してください",
    "less_than_equal": "1990〜2100 の年度で指定してください",
    "list_type": "リストで指定してください（例: [dx, bcp]）",
    "too_short": "1つ以上指定してください",
    "date_type": "日付は YYYY-MM-DD で指定してください（例: 2024-03-15）",
    "date_parsing": "日付は YYYY-MM-DD で指定してください（例: 2024-03-15）",
    "date_from_datetime_parsing": "日付は YYYY-MM-DD で指定してください（例: 2024-03-15）",
    "literal_error": "public か internal のいずれかで指定してください",
    "bool_type": "true か false で指定してください",
    "model_type": "file: と sha256: を持つ項目で指定してください",
}


def describe(error: dict[str, Any]) -> str:
    """One pydantic error as a Japanese message (custom messages pass through)."""
    etype = error["type"]
    if etype.startswith("kb_"):
        return str(error["msg"])
    known = _MESSAGES.get(etype)
    message = known.format(**error.get("ctx", {})) if known else str(error["msg"])
    if etype != "missing" and "input" in error:
        shown = repr(error["input"])
        message += f"（指定値: {shown[:60] + '…' if len(shown) > 60 else shown}）"
    return message
