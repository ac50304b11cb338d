"""Walk content/cases/ and return every valid Case and every problem found.

Nothing stops at the first error: each file is checked completely and all
problems are returned together, each with path, line, field and a hint.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

from pydantic import ValidationError

from kb import frontmatter
from kb.cache import IndexLoad, LoadCache, signature
from kb.case import LOADER_FIELDS, Case, describe, did_you_mean
from kb.casefiles import (
    broken,
    case_files,
    check_link,
    display_path,
    read_text,
    require_cases_dir,
    select_files,
)
from kb.config import Settings
from kb.errors import ContentError
from kb.render import strip_comments
from kb.taxonomy import Taxonomy


@dataclass
class LoadResult:
    cases: list[Case] = field(default_factory=list)
    errors: list[ContentError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def load_file(path: Path, content_dir: Path, taxonomy: Taxonomy, max_bytes: int) -> Case:
    """Load and validate one case file; raises ContentError or ``_Problems`` (all its problems)."""
    check_link(path, content_dir)
    shown = display_path(path, content_dir)
    problems: list[ContentError] = []
    text = read_text(path, shown, max_bytes)
    fm = frontmatter.parse(text, Path(shown))
    data = dict(fm.data)
    for key in list(data):
        if key in LOADER_FIELDS or not isinstance(key, str):
            problems.append(
                ContentError(
                    "この項目は front matter には書けません",
                    path=shown,
                    line=fm.lines.get(str(key)),
                    field=str(key),
                    hint="本文は --- の後に書いてください",
                )
            )
            del data[key]
    body = fm.body
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    # the Case's body is stripped: "body" is the line of its first character
    lines = {**fm.lines, "body": fm.body_line + body[: len(body) - len(body.lstrip())].count("\n")}
    try:
        case = Case.model_validate(
            {**data, "body": body, "source": shown, "digest": digest, "lines": lines},
            context={"taxonomy": taxonomy},
        )
    except ValidationError as exc:
        for err in exc.errors():
            loc = err["loc"]
            name = str(loc[0]) if loc else ""
            if err["type"] == "extra_forbidden":
                guess = did_you_mean(name)
                message = "未知の項目です" + (f"。もしかして「{guess[0]}」?" if guess else "")
                hint = "使える項目は README の「事例ファイルの書き方」を参照してください"
            else:
                message = describe(dict(err))
                hint = _hint_for(name)
            where = f"{name}[{loc[1]}]" if len(loc) > 1 and isinstance(loc[1], int) else name
            problems.append(
                ContentError(
                    message,
                    path=shown,
                    line=fm.lines.get(name, 1 if err["type"] != "missing" else fm.end_line),
                    field=where,
                    hint=hint,
                )
            )
        raise _Problems(problems) from exc
    if case.id != path.stem:
        problems.append(
            ContentError(
                f"id とファイル名が一致しません（id: {case.id}、ファイル名: {path.name}）",
                path=shown,
                line=fm.lines.get("id"),
                field="id",
                hint=f"ファイル名を {case.id}.md にするか、id を {path.stem} にしてください",
            )
        )
    if not strip_comments(body).strip():
        problems.append(
            ContentError(
                "本文が空です",
                path=shown,
                line=fm.body_line,
                field="body",
                hint="--- の後に ## 背景 / ## 取組 / ## 成果 / ## 今後の課題 などの本文を書いてください",
            )
        )
    for i, rel in enumerate(case.attachments):
        target = (path.parent / rel).resolve()
        inside = target.is_relative_to(content_dir.resolve())
        if not inside or not target.is_file():
            problems.append(
                ContentError(
                    f"添付ファイルが見つかりません: {rel}",
                    path=shown,
                    line=fm.lines.get("attachments"),
                    field=f"attachments[{i}]",
                    hint="事例ファイルと同じフォルダからの相対パスで、content/ の中のファイルを指定してください",
                )
            )
    if problems:
        raise _Problems(problems)
    return case


class _Problems(Exception):
    def __init__(self, problems: list[ContentError]) -> None:
        super().__init__(f"{len(problems)} problems")
        self.problems = problems


_HINTS = {
    "id": "半角英小文字・数字・ハイフン。ファイル名（.md を除く）と同じにします",
    "themes": "content/taxonomy.yml の themes のキー（dx, gx, bcp …）をリストで書きます",
    "prefecture": "「京都府」「東京都」「北海道」のように正式名で書きます。全国対象なら「全国」",
    "year": "年度を整数で書きます（例: 2023）",
    "visibility": "公開事例は public、内部限りは internal",
    "kind": "case（事例）/ qa（質疑応答）/ material（指導資料）",
    "summary": "1〜3文の要約を書きます",
    "title": "事例のタイトルを書きます",
    "published": "公開日を 2024-03-15 の形で書きます",
    "attachments": "事例ファイルと同じフォルダからの相対パスで、content/ の中のファイルを書きます",
    "tags": "自由なキーワードをリストで書きます（例: [共同受注, 人材育成]）",
    "organization": "組合・団体の名称を書きます",
}


def _hint_for(name: str) -> str:
    return _HINTS.get(name, "値を content/taxonomy.yml の語彙に合わせてください")


_Loaded = Case | list[ContentError]
_PARALLEL_MIN = 400  # below this, starting worker processes costs more than it saves


def load_one(path: Path, content_dir: Path, taxonomy: Taxonomy, max_bytes: int) -> _Loaded:
    """One file's Case, or all of its problems."""
    try:
        return load_file(path, content_dir, taxonomy, max_bytes)
    except ContentError as exc:
        return [exc]
    except _Problems as exc:
        return exc.problems


def _load_chunk(args: tuple[list[Path], Path, Taxonomy, int]) -> list[_Loaded]:
    paths, content_dir, taxonomy, max_bytes = args
    return [load_one(p, content_dir, taxonomy, max_bytes) for p in paths]


def _load_all(
    files: list[Path],
    content_dir: Path,
    taxonomy: Taxonomy,
    max_bytes: int,
    cache: LoadCache | None = None,
) -> list[_Loaded]:
    """Every file loaded, in order; large trees are parsed and validated on every core.

    With ``cache``, files whose size and mtime are unchanged reuse their cached Case.
    """
    out: list[_Loaded | None] = [None] * len(files)
    sigs = [signature(p) for p in files] if cache is not None else []
    todo = []
    for i, path in enumerate(files):
        hit = cache.get(path) if cache is not None else None
        if hit is not None:
            out[i] = hit
        else:
            todo.append(i)
    workers = os.cpu_count() or 1
    paths = [files[i] for i in todo]
    if len(paths) < _PARALLEL_MIN or workers < 2:
        loaded = [load_one(p, content_dir, taxonomy, max_bytes) for p in paths]
    else:
        chunks = [
            (paths[i : i + 100], content_dir, taxonomy, max_bytes)
            for i in range(0, len(paths), 100)
        ]
        with ProcessPoolExecutor(workers, mp_context=get_context("fork")) as pool:
            loaded = [item for part in pool.map(_load_chunk, chunks) for item in part]
    for i, item in zip(todo, loaded, strict=True):
        out[i] = item
        if cache is not None and isinstance(item, Case):
            cache.put(files[i], item, sigs[i])
    if cache is not None:
        cache.save({str(p) for p in files})
    return [item for item in out if item is not None]


def load_cases(
    content_dir: Path,
    taxonomy: Taxonomy,
    *,
    max_bytes: int,
    only: Iterable[Path] | None = None,
    cache: LoadCache | None = None,
) -> LoadResult:
    """Load every case (or, with ``only``, check those files) and collect all problems.

    Cross-file rules (duplicate ids) always consider the whole collection.
    """
    files, selected = select_files(case_files(content_dir / "cases"), only)
    return collect(files, _load_all(files, content_dir, taxonomy, max_bytes, cache), selected)


def duplicate_id(case_id: str, first: str, source: str, line: int | None) -> ContentError:
    """The problem of a second file with an id already taken by ``first``."""
    return ContentError(
        f"id「{case_id}」が重複しています（{first} と同じ）",
        path=source,
        line=line,
        field="id",
        hint="どちらかの id（とファイル名）を変えてください",
    )


def collect(files: list[Path], loaded: list[_Loaded], selected: set[Path] | None) -> LoadResult:
    """The cases and problems of loaded ``files``; duplicate ids are found across all of them."""
    result = LoadResult()
    seen: dict[str, str] = {}
    for path, item in zip(files, loaded, strict=True):
        report = selected is None or path.resolve() in selected
        if not isinstance(item, Case):
            if report:
                result.errors.extend(item)
            continue
        case = item
        first = seen.get(case.id)
        if first is not None:
            result.errors.append(duplicate_id(case.id, first, case.source, case.lines.get("id")))
            continue
        seen[case.id] = case.source
        if report:
            result.cases.append(case)
    return result


def load_for_index(settings: Settings, *, save_cache: bool = True) -> tuple[Taxonomy, IndexLoad]:
    """The taxonomy and cases `kb index` needs: only files that are new or changed since
    the last run are read and validated; unchanged ones come from the cache as CachedCase
    (id and digest, the Case unpickled only if a document must be built from it).

    With ``save_cache=False`` the caller saves the cache (``IndexLoad.save_cache``) later,
    e.g. after the changed documents have been sent.

    Each invalid file is also listed in ``broken`` (its id and declared visibility), so
    the index can keep its last good version or withdraw it; a folder that cannot be listed
    makes the load incomplete (nothing is deleted). A missing cases folder is an error:
    it must never read as "every case was deleted"."""
    from kb.cache import CachedCase, scan
    from kb.taxonomy import load_taxonomy

    content_dir, max_bytes = settings.content_dir, settings.max_file_bytes
    taxonomy = load_taxonomy(content_dir)

    def reload(path: Path) -> Case:
        try:
            return load_file(path, content_dir, taxonomy, max_bytes)
        except _Problems as exc:
            raise exc.problems[0] from exc

    cache = LoadCache(settings.data_dir, content_dir, taxonomy.digest, reload)
    unreadable: list[str] = []
    files = scan(require_cases_dir(content_dir), unreadable)
    todo = [p for p, sig in files.items() if cache.fresh(p, sig) is None]
    loaded = dict(
        zip(todo, _load_all([Path(p) for p in todo], content_dir, taxonomy, max_bytes), strict=True)
    )
    result = IndexLoad(cache=cache, files=set(files), complete=not unreadable)
    for folder in unreadable:
        result.errors.append(
            ContentError(
                "フォルダを読めません。この中の事例は索引から削除しません",
                path=display_path(Path(folder), content_dir),
                hint="フォルダの読み取り権限を確認してください",
            )
        )
    seen: dict[str, str] = {}
    for path, sig in files.items():
        item = loaded.get(path)
        if item is None:
            entry = cache.entries[path]
            case: Case | CachedCase = CachedCase(cache, path, entry)
            id_line = entry.id_line
        elif isinstance(item, Case):
            cache.put(path, item, sig)
            case, id_line = item, item.lines.get("id")
        else:
            result.errors.extend(item)
            result.broken.append(broken(Path(path), content_dir, max_bytes))
            continue
        first = seen.get(case.id)
        if first is not None:
            result.errors.append(duplicate_id(case.id, first, case.source, id_line))
            continue
        seen[case.id] = case.source
        result.cases.append(case)
    if save_cache:
        result.save_cache()
    return taxonomy, result
