"""`kb import PATH…`: document files and folders into cases (kb.importer)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kb.cli import _settings, content_option, handles_errors, main
from kb.errors import QueryError
from kb.importer import Importer, Options, walk
from kb.taxonomy import Taxonomy, load_taxonomy

_LABELS = {"imported": "取込", "updated": "更新", "skipped": "済み", "failed": "失敗"}
_FIELD_NAMES = {
    "title": "タイトル",
    "summary": "要約",
    "year": "年度",
    "themes": "テーマ",
    "prefecture": "都道府県",
}
PROGRESS_MIN = 5  # files from which a progress bar is shown


def _options(
    taxonomy: Taxonomy, kind: str, prefecture: str | None, themes: str | None,
    visibility: str, dry_run: bool, force: bool,
) -> Options:  # fmt: skip
    """The editor's flags checked against the taxonomy (a wrong one stops before any file)."""
    if taxonomy.vocab["kinds"].canonical(kind) is None:
        raise QueryError(f"種別 {kind!r} はありません", field="--kind", hint="material / case / qa")
    pref = None
    if prefecture:
        pref = taxonomy.vocab["prefectures"].canonical(prefecture)
        if pref is None:
            guess = taxonomy.vocab["prefectures"].suggest(prefecture)
            raise QueryError(
                f"都道府県 {prefecture!r} はありません",
                field="--prefecture",
                hint=f"もしかして「{'」「'.join(guess)}」?"
                if guess
                else "正式名で指定してください（例: 愛知県）",
            )
    keys = []
    for item in (themes or "").replace("、", ",").split(","):
        if not item.strip():
            continue
        key = taxonomy.theme_for(item.strip())
        if key is None:
            raise QueryError(
                f"テーマ {item.strip()!r} はありません",
                field="--themes",
                hint="content/taxonomy.yml の themes のキーか名前をカンマ区切りで: "
                + ", ".join(taxonomy.themes),
            )
        keys.append(key)
    return Options(kind, pref, list(dict.fromkeys(keys)), visibility, dry_run, force)


@main.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path, exists=True))
@click.option(
    "--kind",
    default="material",
    show_default=True,
    type=click.Choice(["material", "case", "qa"]),
    help="作る事例の種別",
)
@click.option("--prefecture", help="都道府県（既定: 本文から推定、なければ全国）")
@click.option("--themes", help="テーマのキーをカンマ区切りで（既定: 本文から推定）")
@click.option(
    "--visibility",
    default="internal",
    show_default=True,
    type=click.Choice(["internal", "public"]),
    help="公開範囲",
)
@click.option("--dry-run", is_flag=True, help="何も書かずに、どうなるかだけを表示する")
@click.option("--force", is_flag=True, help="content/ の既存ファイルや編集済みの本文も上書きする")
@content_option
@handles_errors
def import_command(
    paths: tuple[Path, ...], kind: str, prefecture: str | None, themes: str | None,
    visibility: str, dry_run: bool, force: bool, content: Path | None,
) -> None:  # fmt: skip
    """PDF・Word・Excel・PowerPoint・テキスト・Markdown・HTML のファイル（フォルダは中も）を事例として取り込む。

    各ファイルは content/cases/<都道府県>/<id>.md になり、元のファイルは添付ファイルとして
    その横に保存されます。同じ内容のファイルは二度取り込みません。
    """
    settings = _settings(content)
    taxonomy = load_taxonomy(settings.content_dir)
    options = _options(taxonomy, kind, prefecture, themes, visibility, dry_run, force)
    importer = Importer(settings, taxonomy, options)
    files = list(walk(paths))
    if len(files) >= PROGRESS_MIN:
        with click.progressbar(
            length=len(files), label="取り込み", file=sys.stderr, show_pos=True
        ) as bar:
            outcomes = importer.run_all(files, bar.update)
    else:
        outcomes = importer.run_all(files)
    for out in outcomes:
        if out.status == "skipped":
            continue
        line = f"[{_LABELS[out.status]}] {out.source}"
        if out.case:
            line += f" → {out.case}"
        if out.message:
            line += f": {out.message}"
        click.echo(line, err=out.status == "failed")
        if out.unsure:
            names = "、".join(_FIELD_NAMES.get(u, u) for u in out.unsure)
            click.echo(
                f"    要確認: {names}を推定できませんでした（front matter を直してください）"
            )
    count = {s: sum(1 for o in outcomes if o.status == s) for s in _LABELS}
    skipped = [o for o in outcomes if o.status == "skipped"]
    if skipped:
        click.echo(f"取り込み済みのため {len(skipped)} 件を飛ばしました（内容が同じファイル）")
    prefix = "（試行のため何も書いていません）" if dry_run else ""
    click.echo(
        f"{prefix}取り込み {count['imported']} 件 / 更新 {count['updated']} 件 / "
        f"取り込み済み {count['skipped']} 件 / 失敗 {count['failed']} 件"
    )
    if count["imported"] or count["updated"]:
        click.echo("次に `kb check` で確認し、`kb index` で検索に反映してください")
    if count["failed"]:
        raise SystemExit(1)
