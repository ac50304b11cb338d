"""A new case file: a proposed id, the front matter, and each body section (its text, or
guidance and placeholder); ``review`` checks it and attaches each problem to its field.

The same ``build`` produces the file for `kb new` (kb/new_cli.py) and for the web form's
download, so both give identical bytes for the same inputs and the same content tree.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from kb.case import ID_MAX_LENGTH
from kb.casefiles import case_files
from kb.checks.structure import PLACEHOLDER, SECTIONS
from kb.config import Settings
from kb.errors import ContentError
from kb.fields import (
    BODY_PREFIX,
    BY_NAME,
    Entry,
    section_names,
)  # fmt: skip
from kb.taxonomy import Taxonomy

GUIDANCE: dict[str, str] = {
    "背景": "組合の概要（業種・組合員数など）と、取組のきっかけになった課題を書きます。",
    "取組": "誰が・何を・どのように行ったかを、活用した支援施策も含めて具体的に書きます。",
    "成果": "取組の結果を、できるだけ数字（件数・割合・金額など）で書きます。",
    "今後の課題": "残っている課題と、これからの予定を書きます。",
    "質問": "組合や組合員から寄せられた質問を、そのままの形で書きます。",
    "回答": "回答と、その根拠（法令・制度・通知など）を書きます。",
    "概要": "この資料が何についての資料で、誰に向けたものかを2〜3文で書きます。",
    "ポイント": "押さえるべき要点を箇条書きで書きます。",
    "進め方": "手順やチェックリストを、順番どおりに書きます。",
    "参考": "関連する制度・資料・事例へのリンクや名称を書きます。",
}
FRONT_MATTER = ("id", "title", "summary", "kind", "themes", "prefecture", "industry",
                "organization", "organization_type", "programs", "tags", "year", "published",
                "visibility")  # fmt: skip
OPTIONAL = {"industry", "organization", "organization_type", "programs", "tags", "published"}
ID_FALLBACK = "case"


@dataclass(frozen=True)
class Draft:
    """The checked values of a new case (kb.fields turns what an editor typed into these)."""

    title: str
    summary: str
    themes: list[str]
    prefecture: str
    year: int | None
    kind: str = "case"
    visibility: str = "internal"
    slug: str = ""
    organization: str | None = None
    organization_type: str | None = None
    industry: str | None = None
    programs: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    published: date | None = None
    sections: dict[str, str] = field(default_factory=dict)  # heading -> text written

    @classmethod
    def from_entry(cls, entry: Entry) -> Draft:
        """The draft of a form or `kb new` run (a wrong field is left empty)."""
        v = entry.values
        return cls(
            title=v["title"] or "", summary=v["summary"] or "", themes=v["themes"] or [],
            prefecture=v["prefecture"] or "", year=v["year"], kind=v["kind"] or "case",
            visibility=v["visibility"] or "internal", slug=v["slug"] or "",
            organization=v["organization"], organization_type=v["organization_type"],
            industry=v["industry"], programs=v["programs"] or [], tags=v["tags"] or [],
            published=v["published"], sections=dict(entry.sections),
        )  # fmt: skip


@dataclass(frozen=True)
class Scaffold:
    id: str
    rel: str  # path below content/cases/
    text: str
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def data(self) -> bytes:
        return self.text.encode("utf-8")


def _ascii_slug(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", unicodedata.normalize("NFKC", text).lower())
    return "-".join(words[:4])


def propose_id(draft: Draft, taxonomy: Taxonomy, existing: set[str]) -> str:
    """``<prefecture romaji>-<year>-<slug>``, with -2, -3 … until no case uses it."""
    pref = taxonomy.vocab["prefectures"].canonical(draft.prefecture) or ""
    romaji = taxonomy.prefectures[pref].romaji if pref else "unknown"
    year = str(draft.year or 0)
    themes = [t for t in draft.themes if taxonomy.vocab["themes"].canonical(t)]
    slug = _ascii_slug(draft.slug) or _ascii_slug(draft.title) or (
        taxonomy.vocab["themes"].canonical(themes[0]) if themes else ""
    ) or ID_FALLBACK  # fmt: skip
    kind = taxonomy.vocab["kinds"].canonical(draft.kind)
    if kind in ("qa", "material") and not slug.startswith(kind):
        slug = f"{kind}-{slug}"
    base = _ascii_slug(f"{romaji}-{year}-{slug}")
    limit = ID_MAX_LENGTH - 4  # room for a "-NNN" that makes it unique
    if len(base) > limit:
        if _ascii_slug(draft.slug):  # the editor's own words: say so rather than cut them
            raise ContentError(
                f"slug が長すぎます（id が {len(base)} 文字になります）",
                field="slug",
                hint=f"id（{romaji}-{year}-slug）が {limit} 文字以内になるよう、"
                "slug を短い英単語 1〜4 語にしてください",
            )
        base = base[:limit].rstrip("-")  # from the title: shortened
    candidate, n = base, 2
    while candidate in existing:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def _line(key: str, value: Any) -> str:
    """``key: value`` as YAML, quoted where needed; lists in flow style (``[dx, bcp]``)."""
    if isinstance(value, list):
        flow = yaml.safe_dump(value, allow_unicode=True, default_flow_style=True, width=10_000)
        return f"{key}: {flow.strip()}\n"
    return yaml.safe_dump(
        {key: value}, allow_unicode=True, sort_keys=False, default_flow_style=False, width=10_000
    )


def render(draft: Draft, case_id: str, taxonomy: Taxonomy) -> str:
    """The whole file: front matter, then each section with its text, or guidance and
    placeholder where nothing was written."""
    values = {"id": case_id, **{k: getattr(draft, k) for k in FRONT_MATTER if k != "id"}}
    out = ["---\n"]
    for key in FRONT_MATTER:
        value = values[key]
        if key in OPTIONAL and value in (None, "", []):
            continue
        out.append(_line(key, list(value) if isinstance(value, list) else value))
    out.append("---\n")
    kind = taxonomy.vocab["kinds"].canonical(draft.kind) or "case"
    for name in SECTIONS.get(kind, SECTIONS["case"]):
        text = draft.sections.get(name, "").strip()
        if text:
            out.append(f"\n## {name}\n\n{text}\n")
        else:
            out.append(f"\n## {name}\n\n<!-- {GUIDANCE[name]} -->\n{PLACEHOLDER}\n")
    return "".join(out)


def build(draft: Draft, taxonomy: Taxonomy, content_dir: Path) -> Scaffold:
    """The file `kb new` writes for ``draft`` in ``content_dir`` (id unique in the tree)."""
    cases_dir = content_dir / "cases"
    existing = {p.stem for p in case_files(cases_dir)}
    if cases_dir.is_dir():
        existing |= {p.stem for p in cases_dir.rglob("*.md")}
    case_id = propose_id(draft, taxonomy, existing)
    pref = taxonomy.vocab["prefectures"].canonical(draft.prefecture)
    folder = taxonomy.prefectures[pref].romaji if pref else "unknown"
    return Scaffold(case_id, f"{folder}/{case_id}.md", render(draft, case_id, taxonomy))


# `kb check` findings said for the form
MISSING_FILE = ("画像のファイルがありません", "リンク先のファイルがありません")
ADVICE = {
    "personal-data": "（公開する事例には書けません。「担当者」「組合員Ａ社」などに置き換えるか、"
    "公開範囲を「内部」にしてください）",
}


@dataclass
class Review:
    """A draft's file and what is wrong with it, per field, in the editor's words."""

    draft: Draft
    scaffold: Scaffold
    errors: dict[str, str]  # field name (or body-<heading>, body) -> message
    notes: list[str]  # worth knowing, not blocking (unfilled sections, personal data …)

    @property
    def ok(self) -> bool:
        return not self.errors


def review(entry: Entry, taxonomy: Taxonomy, settings: Settings) -> Review:
    """Build the file for ``entry`` and check it with `kb check`'s per-file rules; their
    findings are attached to the field or body section they concern."""
    from kb.checks import check_draft

    draft = Draft.from_entry(entry)
    made = build(draft, taxonomy, settings.content_dir)
    errors = dict(entry.errors)
    notes: list[str] = []
    if not errors:
        starts = _section_lines(made.text)
        for f in check_draft(settings, taxonomy, made.rel, made.text):
            if f.check == "structure" and PLACEHOLDER in f.message:
                continue  # said once below, in the editor's words
            name = (f.field or "").split("[")[0]
            if f.field == "body" and f.message.startswith(MISSING_FILE):
                name = f.message.rsplit(": ", 1)[-1]
                notes.append(f"画像・資料「{name}」は、ダウンロードしたファイルと同じフォルダに置いて"
                             "一緒に提出してください")  # fmt: skip
            elif f.severity == "error":
                where = name if name in BY_NAME else _section_at(starts, f.line)
                errors.setdefault(where, f.message + (f"（{f.hint}）" if f.hint else ""))
            else:  # hints speak of fields by their keys; the form's own advice instead
                notes.append(f.message + ADVICE.get(f.check, ""))
    empty = [n for n in section_names(draft.kind) if not draft.sections.get(n)]
    if empty:
        notes.append(
            "本文が未記入の見出し: " + "・".join(empty)
            + f"（ファイルでは「{PLACEHOLDER}」になります。書き換えてから提出してください）"
        )  # fmt: skip
    return Review(draft, made, errors, notes)


def _section_lines(text: str) -> list[tuple[int, str]]:
    """(1-based line, heading) of each ``## `` heading of the file."""
    return [(i, line[3:].strip()) for i, line in enumerate(text.split("\n"), 1)
            if line.startswith("## ")]  # fmt: skip


def _section_at(starts: list[tuple[int, str]], line: int | None) -> str:
    found = [name for start, name in starts if line is not None and start <= line]
    return BODY_PREFIX + found[-1] if found else "body"
