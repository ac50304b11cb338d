"""Talk to a Meilisearch: the connection, health probes, clients, keys and awaited tasks.

kb either talks to an external Meilisearch (``MEILI_URL``) or manages its own
(kb.meili_server); either way a ``Connection`` names the server and its key.
``python -m kb.meili install`` fetches the pinned binary (kb.meili_binary).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import math
import sys
import urllib.request
from dataclasses import dataclass
from typing import Any

import meilisearch
from meilisearch.errors import (
    MeilisearchApiError,
    MeilisearchCommunicationError,
    MeilisearchTimeoutError,
)
from meilisearch.models.task import Task

from kb.config import load_settings
from kb.errors import IndexingError, KbError, MeiliSetupError, SearchUnavailable
from kb.meili_binary import find_binary, install, pinned_path

__all__ = ["Connection", "client", "find_binary", "healthy", "install", "search_key", "wait_task"]


# Never route requests to our own 127.0.0.1 server through an HTTP proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@dataclass(frozen=True)
class Connection:
    url: str
    key: str
    managed: bool


def _get_json(url: str, key: str | None = None, timeout: float = 2.0) -> Any:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    try:
        with _OPENER.open(urllib.request.Request(url, headers=headers), timeout=timeout) as resp:
            return json.loads(resp.read())
    except (OSError, ValueError, http.client.HTTPException):
        return None


def _healthy(url: str, timeout: float = 2.0) -> bool:
    body = _get_json(f"{url}/health", timeout=timeout)
    return isinstance(body, dict) and body.get("status") == "available"


def _version(url: str, key: str | None) -> str | None:
    body = _get_json(f"{url}/version", key)
    return body.get("pkgVersion") if isinstance(body, dict) else None


def healthy(conn: Connection) -> bool:
    return _healthy(conn.url)


def client(conn: Connection, timeout_s: float = 30.0) -> meilisearch.Client:
    return meilisearch.Client(conn.url, conn.key, timeout=max(1, math.ceil(timeout_s)))


def search_key(master: meilisearch.Client, index_name: str) -> str:
    """An API key that can only search ``index_name``; created with the master key once."""
    name = f"kb-public-search-{index_name}"
    try:
        for key in master.get_keys({"limit": 1000}).results:
            if key.name == name and key.actions == ["search"] and key.indexes == [index_name]:
                return str(key.key)
        created = master.create_key(
            {
                "name": name,
                "description": "kb public portal: search only",
                "actions": ["search"],
                "indexes": [index_name],
                "expiresAt": None,
            }
        )
    except (MeilisearchApiError, MeilisearchCommunicationError) as exc:
        raise SearchUnavailable(
            f"検索用 API キーを用意できません: {exc}",
            hint="Meilisearch の状態を `kb meili status` で確認してください",
        ) from exc
    return str(created.key)


def wait_task(client: meilisearch.Client, task_uid: int, timeout_s: float) -> Task:
    """Wait for a task; IndexingError if it failed, SearchUnavailable if Meilisearch did."""
    try:
        task = client.wait_for_task(
            task_uid, timeout_in_ms=max(1, int(timeout_s * 1000)), interval_in_ms=20
        )
    except MeilisearchTimeoutError as exc:
        raise SearchUnavailable(
            f"Meilisearch のタスク {task_uid} が {timeout_s:g} 秒たっても終わりません",
            hint="KB_MEILI_TIMEOUT を増やすか、`kb meili status` で Meilisearch の状態を確認してください",
        ) from exc
    except (MeilisearchApiError, MeilisearchCommunicationError) as exc:
        raise SearchUnavailable(
            f"タスク {task_uid} を待つ間に Meilisearch のエラー: {exc.message}",
            hint="`kb meili status` で Meilisearch が起動しているか確認してください",
        ) from exc
    if task.status != "succeeded":
        error = task.error or {}
        message = error.get("message") or f"タスクの状態: {task.status!r}"
        code = error.get("code") or task.status
        failed = IndexingError(
            f"Meilisearch のタスク {task_uid}（{task.type}）が失敗しました: {message} [{code}]"
        )
        failed.reason = str(code)
        raise failed
    return task


def _main(argv: list[str]) -> int:
    if not argv or argv[0] != "install" or set(argv[1:]) - {"--force"}:
        print("usage: python -m kb.meili install [--force]", file=sys.stderr)
        return 2
    try:
        settings = load_settings()
        if "--force" not in argv:
            with contextlib.suppress(MeiliSetupError):
                found = find_binary(settings)
                if found != pinned_path(settings):  # MEILI_BIN or PATH takes precedence
                    print(found)
                    return 0
        path = install(settings, force="--force" in argv)
    except KbError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
