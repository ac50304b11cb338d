"""The case files of a content tree: which files there are, how editors see their paths,
and how one is read (size, binary and encoding refused with the line and a hint)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from kb.errors import ContentError

# Folders holding attachments: a Markdown file there is an attached document, not a case.
ATTACHMENTS_DIR = "attachments"


def skipped_dir(name: str) -> bool:
    """Whether a folder below cases/ is not searched for case files."""
    return name.startswith((".", "_")) or name == ATTACHMENTS_DIR


def case_files(cases_dir: Path) -> list[Path]:
    """Every case file below ``cases_dir`` (``_`` or ``.`` prefixed names and attachments
    folders are skipped)."""
    if not cases_dir.is_dir():
        return []
    out: list[Path] = []
    for folder, dirs, files in os.walk(cases_dir):
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


def read_text(path: Path, shown: str, max_bytes: int) -> str:
    """Read a case file as UTF-8 text, refusing large, binary and non-UTF-8 files."""
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
