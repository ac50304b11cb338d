"""`kb stats`: the collection's figures and progress against content/targets.yml."""

from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path

import click

from kb.cli import content_option, handles_errors, main
from kb.config import load_settings
from kb.stats import Stats, from_cases, from_index
from kb.targets import load_targets
from kb.taxonomy import load_taxonomy

_SOURCES = {"index": "検索索引", "files": "事例ファイル"}


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def as_text(stats: Stats) -> str:
    lines = [
        f"収集状況（{_SOURCES[stats.source]}から集計）"
        + (f" — {stats.plan}" if stats.plan else ""),
        f"登録件数 {stats.total:,} 件、電子ファイル {stats.electronic_files:,} 件",
    ]
    if stats.progress:
        lines += ["", "■ 目標に対する進捗"]
        width = max(_width(p.label) for p in stats.progress)
        for p in stats.progress:
            lines.append(
                f"  {_pad(p.label, width)}  {p.count:>6,} / {p.target:>6,}  {p.shown_percent:>6}%"
            )
    for _key, heading, rows in stats.sections():
        if not rows:
            continue
        lines += ["", f"■ {heading}ごとの件数"]
        width = max(_width(r.label) for r in rows)
        lines += [f"  {_pad(r.label, width)}  {r.count:>6,}" for r in rows]
    return "\n".join(lines)


@main.command()
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "csv", "json"]),
    default="text",
    help="出力形式（csv: BOM 付き UTF-8、Excel でそのまま開ける）",
)
@click.option(
    "--from-files",
    is_flag=True,
    help="検索索引ではなく事例ファイルから数える（Meilisearch 不要。索引更新前の確認に）",
)
@content_option
@handles_errors
def stats(fmt: str, from_files: bool, content: Path | None) -> None:
    """種別・テーマ・地域・都道府県・年度ごとの件数と、目標（content/targets.yml）への進捗。"""
    settings = load_settings(**({"content_dir": content} if content else {}))
    taxonomy = load_taxonomy(settings.content_dir)
    targets = load_targets(settings.content_dir, taxonomy)
    if from_files:
        from kb.loader import load_cases

        result = load_cases(settings.content_dir, taxonomy, max_bytes=settings.max_file_bytes)
        if result.errors:
            bad = len({e.path for e in result.errors})
            click.echo(f"警告: {bad} 件のファイルに問題があるため数えていません"
                       "（`kb check` で確認できます）", err=True)  # fmt: skip
        figures = from_cases(result.cases, taxonomy, targets)
    else:
        from kb.search_cli import make_searcher

        figures = from_index(make_searcher(settings), targets)
    if fmt == "json":
        click.echo(json.dumps(figures.to_dict(), ensure_ascii=False, indent=2))
    elif fmt == "csv":
        # bytes, as written: the BOM and CRLF line ends reach a redirected file unchanged
        sys.stdout.flush()
        sys.stdout.buffer.write(figures.to_csv().encode("utf-8"))
        sys.stdout.buffer.flush()
    else:
        click.echo(as_text(figures))
