"""`kb new`: a new case file with a proposed id, filled front matter and the body sections.

The same ``build`` produces the file for the CLI and for the web form's download, so
both give identical bytes for the same inputs and the same content tree.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import click
import yaml

from kb.case import ID_MAX_LENGTH
from kb.casefiles import case_files
from kb.checks.structure import PLACEHOLDER, SECTIONS
from kb.errors import ContentError, KbError
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
FRONT_MATTER = ("id", "title", "summary", "kind", "themes", "prefecture", "year", "visibility")
ID_FALLBACK = "case"


@dataclass(frozen=True)
class Draft:
    """What an editor enters; values are written as given so `kb check` judges them."""

    title: str
    summary: str
    themes: list[str]
    prefecture: str
    year: int | str
    kind: str = "case"
    visibility: str = "internal"
    slug: str = ""

    @classmethod
    def from_form(cls, data: dict[str, Any]) -> Draft:
        themes = data.get("themes") or []
        if isinstance(themes, str):
            themes = [t for t in re.split(r"[,、，\s]+", themes) if t]
        year: int | str = str(data.get("year", "")).strip()
        if isinstance(year, str) and re.fullmatch(r"[0-9０-９]{1,6}", year):
            year = int(unicodedata.normalize("NFKC", year))
        return cls(
            title=str(data.get("title", "")).strip(),
            summary=str(data.get("summary", "")).strip(),
            themes=[str(t).strip() for t in themes],
            prefecture=str(data.get("prefecture", "")).strip(),
            year=year,
            kind=str(data.get("kind", "case")).strip() or "case",
            visibility=str(data.get("visibility", "internal")).strip() or "internal",
            slug=str(data.get("slug", "") or "").strip(),
        )


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
    year = str(draft.year) if isinstance(draft.year, int) else (_ascii_slug(draft.year) or "0")
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
    """The whole file: front matter, then each section with guidance and placeholder."""
    values = {
        "id": case_id,
        "title": draft.title,
        "summary": draft.summary,
        "kind": draft.kind,
        "themes": list(draft.themes),
        "prefecture": draft.prefecture,
        "year": draft.year,
        "visibility": draft.visibility,
    }
    out = ["---\n", *(_line(k, values[k]) for k in FRONT_MATTER), "---\n"]
    kind = taxonomy.vocab["kinds"].canonical(draft.kind) or "case"
    for name in SECTIONS.get(kind, SECTIONS["case"]):
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


# -- the command -------------------------------------------------------------------------


def _ask(value: str | None, label: str, default: str | None = None) -> str:
    if value is not None:
        return value
    return str(click.prompt(label, default=default, show_default=default is not None))


@click.command("new")
@click.option("--title", help="タイトル")
@click.option("--summary", help="要約（1〜3文）")
@click.option("--kind", help="種別: case / qa / material")
@click.option("--themes", help="テーマのキー（カンマ区切り、例: dx,bcp）")
@click.option("--prefecture", help="都道府県（例: 愛知県、全国）")
@click.option("--year", help="年度（例: 2024）")
@click.option("--visibility", help="public（公開）または internal（内部限り）")
@click.option(
    "--slug", default="", help="id の末尾に使う英小文字の語（省略時はタイトル・テーマから）"
)
@click.option("--stdout", "to_stdout", is_flag=True, help="ファイルを書かずに内容を表示する")
@click.option(
    "--content", type=click.Path(path_type=Path, file_okay=False), default=None,
    help="事例フォルダ（既定: ./content または KB_CONTENT_DIR）",
)  # fmt: skip
def new(
    title: str | None, summary: str | None, kind: str | None, themes: str | None,
    prefecture: str | None, year: str | None, visibility: str | None, slug: str,
    to_stdout: bool, content: Path | None,
) -> None:  # fmt: skip
    """新しい事例ファイルをひな形から作る（足りない項目は対話で尋ねる）。"""
    from kb.checks import check_draft
    from kb.config import load_settings
    from kb.taxonomy import load_taxonomy

    try:
        settings = load_settings(**({"content_dir": content} if content else {}))
        taxonomy = load_taxonomy(settings.content_dir)
        kinds = " / ".join(f"{k}（{v}）" for k, v in taxonomy.kinds.items())
        theme_keys = ", ".join(taxonomy.themes)
        draft = Draft.from_form({
            "title": _ask(title, "タイトル"),
            "summary": _ask(summary, "要約（1〜3文）"),
            "kind": _ask(kind, f"種別 {kinds}", "case"),
            "themes": _ask(themes, f"テーマ（カンマ区切り: {theme_keys}）"),
            "prefecture": _ask(prefecture, "都道府県（例: 愛知県、全国）"),
            "year": _ask(year, "年度", str(date.today().year)),
            "visibility": _ask(visibility, "公開範囲 public / internal", "internal"),
            "slug": slug,
        })  # fmt: skip
        scaffold = build(draft, taxonomy, settings.content_dir)
        errors = [
            f
            for f in check_draft(settings, taxonomy, scaffold.rel, scaffold.text)
            if f.severity == "error"
        ]
        if errors:
            for f in errors:
                click.echo(str(f), err=True)
            click.echo(f"{len(errors)} 件のエラーがあるため作成しませんでした", err=True)
            raise SystemExit(1)
        if to_stdout:
            click.echo(scaffold.text, nl=False)
            return
        path = settings.cases_dir / scaffold.rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8", newline="\n") as fh:
            fh.write(scaffold.text)
    except FileExistsError as exc:  # pragma: no cover - the id is chosen to be unused
        click.echo(f"エラー: すでにあります: {exc.filename}", err=True)
        raise SystemExit(1) from exc
    except KbError as exc:
        click.echo(f"エラー: {exc}", err=True)
        raise SystemExit(1) from exc
    click.echo(f"作成しました: {path}")
    click.echo(f"各見出しの「{PLACEHOLDER}」を本文に書き換え、`kb check {path}` で確認してください")
