"""The case files of a content tree: which files there are, how editors see their paths,
and how one is read (size, binary and encoding refused with the line and a hint)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kb import frontmatter
from kb.errors import ContentError, KbError

# Folders holding attachments: a Markdown file there is an attached document, not a case.
ATTACHMENTS_DIR = "attachments"


def skipped_dir(name: str) -> bool:
    """Whether a folder below cases/ is not searched for case files."""
    return name.startswith((".", "_")) or name == ATTACHMENTS_DIR


def case_files(cases_dir: Path, unreadable: list[str] | None = None) -> list[Path]:
    """Every case file below ``cases_dir`` (``_`` or ``.`` prefixed names and attachments
    folders are skipped); folders that cannot be listed are added to ``unreadable``."""
    if not cases_dir.is_dir():
        return []
    out: list[Path] = []

    def failed(exc: OSError) -> None:
        if unreadable is not None:
            unreadable.append(str(exc.filename))

    for folder, dirs, files in os.walk(cases_dir, onerror=failed):
        dirs[:] = [d for d in dirs if not skipped_dir(d)]
        out.extend(
            Path(folder, f) for f in files if f.endswith(".md") and not f.startswith((".", "_"))
        )
    return sorted(out)


def display_path(path: Path, root: Path) -> str:
    """The path as editors see it: relative to the content folder's parent when possible."""
    try:
        return str(path.resolve().relative_to(root.resolve().parent))
    except ValueError:
        return str(path)


def source_file(source: str, content_dir: Path) -> Path:
    """The file of a case from its shown path (``display_path``'s inverse)."""
    path = Path(source)
    return path if path.is_absolute() else content_dir.resolve().parent / path


def require_cases_dir(content_dir: Path) -> Path:
    """The cases folder of ``content_dir``; ContentError if it is missing, so that a folder
    moved away for a moment never reads as "every case was deleted"."""
    cases = content_dir / "cases"
    if not cases.is_dir():
        raise ContentError(
            "事例フォルダがありません",
            path=display_path(cases, content_dir),
            hint="content/cases を元の場所に戻すか、KB_CONTENT_DIR（--content）を確認してください"
            "（このとき kb index は索引を変更しません）",
        )
    return cases


def check_link(path: Path, content_dir: Path) -> None:
    """Refuse a case file that is a symbolic link leading nowhere or out of the content
    folder (its target is never read). Links inside the content folder are read."""
    if not os.path.islink(path):
        return
    shown = str(Path(display_path(path.parent, content_dir)) / path.name)
    try:
        target = path.resolve(strict=True)
    except FileNotFoundError as exc:
        raise ContentError(
            "リンク先がないシンボリックリンクです",
            path=shown,
            hint="リンクを削除するか、リンク先のファイルを戻してください",
        ) from exc
    except (OSError, RuntimeError) as exc:
        raise ContentError(
            f"シンボリックリンクをたどれません（{exc}）",
            path=shown,
            hint="リンクを削除し、事例ファイルの実体を content/cases に置いてください",
        ) from exc
    if not target.is_relative_to(content_dir.resolve()):
        raise ContentError(
            "content フォルダの外を指すシンボリックリンクです（リンク先は読みません）",
            path=shown,
            hint="事例ファイルの実体を content/cases の中に置いてください",
        )


def _unreadable(exc: OSError, shown: str) -> ContentError:
    if isinstance(exc, FileNotFoundError):
        message, hint = (
            "ファイルが見つかりません（読み込み中に削除・移動されました）",
            "もう一度実行してください",
        )
    elif isinstance(exc, IsADirectoryError):
        message, hint = "ファイルではなくフォルダです", "フォルダ名の末尾の .md を外してください"
    else:
        message = f"ファイルを読めません（{exc.strerror or exc}）"
        hint = "ファイルの読み取り権限を確認してください"
    return ContentError(message, path=shown, hint=hint)


def read_text(path: Path, shown: str, max_bytes: int) -> str:
    """Read a case file as UTF-8 text, refusing large, binary, non-UTF-8 and unreadable
    files."""
    try:
        return _read_text(path, shown, max_bytes)
    except OSError as exc:
        raise _unreadable(exc, shown) from exc


def _read_text(path: Path, shown: str, max_bytes: int) -> str:
    size = path.stat().st_size
    if size > max_bytes:
        raise ContentError(
            f"ファイルが大きすぎます（{size:,} バイト、上限 {max_bytes:,} バイト）",
            path=shown,
            hint="本文を分けるか、資料は attachments で添付してください（上限は KB_MAX_FILE_BYTES）",
        )
    raw = path.read_bytes()
    if b"\x00" in raw:
        raise ContentError(
            "テキストではなくバイナリファイルです",
            path=shown,
            line=raw[: raw.index(b"\x00")].count(b"\n") + 1,
            hint="事例は Markdown（.md）のテキストで書き、PDF などは attachments にしてください",
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ContentError(
            "UTF-8 ではない文字コードで保存されています",
            path=shown,
            line=raw[: exc.start].count(b"\n") + 1,
            hint="エディタで文字コードを UTF-8 にして保存し直してください（Shift_JIS は不可）",
        ) from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def select_files(
    files: list[Path], only: Iterable[Path] | None
) -> tuple[list[Path], set[Path] | None]:
    """The files to load for ``only`` (the tree plus those given) and the selected real paths."""
    if only is None:
        return files, None
    only = list(only)
    selected = {p.resolve() for p in only}
    # one entry per real file, however the caller spelled its path
    by_real = {p.resolve(): p for p in files}
    for p in only:
        by_real.setdefault(Path(p).resolve(), Path(p))
    return sorted(by_real.values(), key=str), selected


@dataclass(frozen=True)
class Broken:
    """A case file that cannot be indexed as it is now. Its last good version (indexed under
    the file's name, which a valid file's id always is) stays in the index, unless the file
    no longer clearly says ``visibility: public``: then that version is withdrawn."""

    id: str
    source: str
    public: bool


def broken(path: Path, content_dir: Path, max_bytes: int) -> Broken:
    """What the index must do about the invalid file ``path``: its visibility is read first,
    best effort; anything but a front matter that parses and says public counts as
    internal (when in doubt, withdraw)."""
    shown = display_path(path, content_dir)
    try:
        check_link(path, content_dir)
        fm = frontmatter.parse(read_text(path, shown, max_bytes), Path(shown))
        public = fm.data.get("visibility") == "public"
    except (KbError, OSError, ValueError, RecursionError):
        public = False
    return Broken(path.stem, shown, public)
