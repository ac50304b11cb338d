"""Which case files changed since a git ref: the files `kb check --changed-since REF` checks.

Committed, staged, unstaged and untracked changes under the content folder all count. A
change to taxonomy.yml or synonyms.yml can invalidate any case, so it selects every case.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from kb.casefiles import case_files
from kb.errors import KbError


def changed_files(ref: str, content_dir: Path) -> list[Path]:
    """Case files under ``content_dir`` changed since git ``ref`` (committed, staged,
    unstaged or untracked); every case file when taxonomy.yml or synonyms.yml changed."""

    def git(*args: str) -> list[str]:
        try:
            done = subprocess.run(
                ["git", *args], cwd=content_dir, capture_output=True, text=True, check=True
            )
        except FileNotFoundError as exc:
            raise KbError("git が見つかりません", hint="git をインストールしてください") from exc
        except subprocess.CalledProcessError as exc:
            raise KbError(
                f"git {' '.join(args)} に失敗しました: {exc.stderr.strip()}",
                hint=f"--changed-since の参照（{ref}）が存在するか確認してください"
                "（CI では fetch-depth: 0 で取得します）",
            ) from exc
        return [line for line in done.stdout.splitlines() if line.strip()]

    top = Path(git("rev-parse", "--show-toplevel")[0])
    names = git("diff", "--name-only", "--diff-filter=ACMRT", ref, "--", ".")
    names += git("ls-files", "--others", "--exclude-standard", "--full-name", "--", ".")
    root = content_dir.resolve()
    changed = {(top / n).resolve() for n in names}
    if changed & {root / "taxonomy.yml", root / "synonyms.yml"}:
        return case_files(root / "cases")
    cases = set(case_files(root / "cases"))
    return sorted(p for p in changed if p in cases)
