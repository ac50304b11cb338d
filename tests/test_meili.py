"""kb.meili: clients and awaited tasks against the real Meilisearch binary; also the helpers
(BINARY, _settings) that the other tests/test_meili*.py share."""

from __future__ import annotations

import platform
import sys
from pathlib import Path

import pytest

from kb import meili, meili_server
from kb.config import Settings, load_settings
from kb.errors import IndexingError, MeiliSetupError, SearchUnavailable

LINUX_X64 = sys.platform.startswith("linux") and platform.machine().lower() in ("x86_64", "amd64")


def _base() -> Settings:
    return load_settings(meili_url=None, meili_master_key=None)


def _find() -> Path | None:
    try:
        return meili.find_binary(_base())
    except MeiliSetupError:
        return None


BINARY = _find()
NO_BINARY = (
    "NO MEILISEARCH BINARY: the real-server tests in tests/test_meili*.py were SKIPPED; "
    "set MEILI_BIN or run `python -m kb.meili install`"
)


def _settings(tmp_path: Path, **overrides: object) -> Settings:
    base = _base()
    values: dict[str, object] = {
        "data_dir": tmp_path / "data",
        "tools_dir": base.tools_dir,
        "meili_bin": base.meili_bin,
        "meili_url": None,
        "meili_master_key": None,
        "meili_timeout_s": 20.0,
    }
    values.update(overrides)
    return load_settings(**values)


def test_wait_task_failure_raises_indexing_error(make_settings) -> None:
    settings = make_settings()  # the session's server, a fresh index
    cl = meili.client(meili_server.ensure(settings), timeout_s=10)
    index = cl.index(settings.index_name)
    task = index.add_documents([{"id": "a b/c"}], primary_key="id")
    with pytest.raises(IndexingError) as err:
        meili.wait_task(cl, task.task_uid, timeout_s=30)
    assert "invalid_document_id" in str(err.value)
    assert "Document identifier" in err.value.message
    ok = index.add_documents([{"id": "ok-1"}], primary_key="id")
    assert meili.wait_task(cl, ok.task_uid, timeout_s=30).status == "succeeded"


def test_wait_task_unreachable_server_is_search_unavailable() -> None:
    port = meili_server._free_port()
    cl = meili.client(meili.Connection(f"http://127.0.0.1:{port}", "k" * 16, False), 2)
    with pytest.raises(SearchUnavailable):
        meili.wait_task(cl, 0, timeout_s=1)
