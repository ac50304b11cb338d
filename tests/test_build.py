"""indexer.build on the real Meilisearch: rebuild + swap, incremental sync, failures."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from indexer.build import BUILD_SUFFIX
from indexer.documents import Analyzer
from indexer.settings import INDEX_SETTINGS
from kb.cache import CachedCase
from kb.case import Case
from kb.errors import IndexingError
from kb.loader import load_for_index
from tests.conftest import ContentTree, Indexed


def index_names(ix: Indexed) -> list[str]:
    return [i.uid for i in ix.client.get_indexes({"limit": 1000})["results"]]


def test_rebuild_then_search(content: ContentTree, indexed: Callable[[], Indexed]) -> None:
    content.add("a", "## 背景\n共同サーバを導入した。")
    content.add("b", "## 背景\n事業継続計画を策定した。", themes="bcp")
    ix = indexed()
    assert ix.ids("サーバー") == ["a"] and ix.ids("BCP") == ["b"]
    report = ix.rebuild()
    assert report.rebuilt and report.added == 2 and report.seconds >= 0
    assert not [n for n in index_names(ix) if n.startswith(ix.settings.index_name + BUILD_SUFFIX)]


def test_incremental_add_change_delete(
    content: ContentTree, indexed: Callable[[], Indexed]
) -> None:
    content.add("keep", "## 背景\n変わらない事例。")
    content.add("edit", "## 背景\n古い本文で倉庫を共同化。")
    gone = content.add("gone", "## 背景\n消える事例でシミュレーション。")
    ix = indexed()
    assert ix.sync().unchanged == 3  # nothing to send on a second run

    content.add("edit", "## 背景\n新しい本文で冷凍車を共同購入。")
    content.add("new", "## 背景\n追加された事例で越境ECに挑戦。")
    gone.unlink()
    report = ix.sync()
    assert (report.added, report.updated, report.removed, report.unchanged) == (1, 1, 1, 1)
    assert not report.rebuilt
    assert ix.ids("冷凍車") == ["edit"] and ix.ids("倉庫") == []
    assert ix.ids("越境EC") == ["new"] and ix.ids("シミュレーション") == []
    again = ix.sync()
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 3)


def spy_documents(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The ids of the cases documents are built from, from now on."""
    sent: list[str] = []
    real = Analyzer.document

    def spy(self: Analyzer, case: Case) -> dict[str, Any]:
        sent.append(case.id)
        return real(self, case)

    monkeypatch.setattr(Analyzer, "document", spy)
    return sent


def test_unchanged_documents_are_not_sent(
    content: ContentTree, indexed: Callable[[], Indexed], monkeypatch: pytest.MonkeyPatch
) -> None:
    content.add("one")
    content.add("two")
    ix = indexed()
    content.add("two", "## 背景\n書き換えた。")
    sent = spy_documents(monkeypatch)
    report = ix.sync()
    assert sent == ["two"] and report.unchanged == 1 and report.updated == 1


def test_sync_without_an_index_rebuilds(content: ContentTree, make_settings: Any) -> None:
    content.add("first")
    ix = Indexed(make_settings(content_dir=content.root))
    try:
        report = ix.sync()
        assert report.rebuilt and report.added == 1 and ix.ids("") == ["first"]
    finally:
        ix.drop()


def break_document(monkeypatch: pytest.MonkeyPatch, case_id: str) -> None:
    """Inject a failure: the document of ``case_id`` gets an id Meilisearch refuses."""
    real = Analyzer.document

    def bad(self: Analyzer, case: Case) -> dict[str, Any]:
        doc = real(self, case)
        if case.id == case_id:
            doc["id"] = "bad id!"
        return doc

    monkeypatch.setattr(Analyzer, "document", bad)


def test_failed_rebuild_keeps_the_old_index_serving(
    content: ContentTree, indexed: Callable[[], Indexed], monkeypatch: pytest.MonkeyPatch
) -> None:
    content.add("old", "## 背景\n共同倉庫を運営した。")
    ix = indexed()
    content.add("broken", "## 背景\n新しい事例。")
    break_document(monkeypatch, "broken")
    with pytest.raises(IndexingError) as info:
        ix.rebuild()
    err = info.value
    assert err.path == "content/cases/broken.md"
    assert "bad id!" in err.message and "invalid_document_id" in err.message
    assert ix.ids("倉庫") == ["old"]  # the old index still answers
    assert not [
        n for n in index_names(ix) if BUILD_SUFFIX in n and n.startswith(ix.settings.index_name)
    ]


def test_failed_sync_names_the_document(
    content: ContentTree, indexed: Callable[[], Indexed], monkeypatch: pytest.MonkeyPatch
) -> None:
    content.add("old")
    ix = indexed()
    content.add("later")
    real = Analyzer.document

    def bad(self: Analyzer, case: Case) -> dict[str, Any]:
        return {**real(self, case), "id": "bad id!"}

    monkeypatch.setattr(Analyzer, "document", bad)
    with pytest.raises(IndexingError) as info:
        ix.sync()
    assert info.value.path == "content/cases/later.md"
    assert ix.ids("") == ["old"]


def test_stale_build_indexes_are_cleaned(
    content: ContentTree, indexed: Callable[[], Indexed]
) -> None:
    content.add("x")
    ix = indexed()
    stale = f"{ix.settings.index_name}{BUILD_SUFFIX}1"
    ix.builder._wait(ix.client.create_index(stale))
    ix.rebuild()
    assert stale not in index_names(ix)


def test_settings_are_applied_idempotently_and_say_japanese(
    content: ContentTree, indexed: Callable[[], Indexed]
) -> None:
    content.add("x")
    ix = indexed()
    assert ix.builder.apply_settings(ix.settings.index_name) is False
    live = ix.client.index(ix.settings.index_name).get_settings()
    assert live["localizedAttributes"] == [{"attributePatterns": ["*_n"], "locales": ["jpn"]}]
    assert live["searchableAttributes"] == INDEX_SETTINGS["searchableAttributes"]
    assert set(live["filterableAttributes"]) >= {"themes", "prefecture", "year", "visibility"}
    assert set(live["sortableAttributes"]) == set(INDEX_SETTINGS["sortableAttributes"])
    # drift on the server is repaired once, then stable again
    ix.builder._wait(ix.client.index(ix.settings.index_name).update_sortable_attributes(["year"]))
    assert ix.builder.apply_settings(ix.settings.index_name) is True
    assert ix.builder.apply_settings(ix.settings.index_name) is False


def test_parallel_batched_rebuild_with_back_pressure(
    content: ContentTree, indexed: Callable[[], Indexed], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The large-collection path: workers, small batches, few tasks in flight."""
    import indexer.build as build

    for i in range(9):
        content.add(f"c{i}", f"## 背景\n共同倉庫{i}号を運営した。")
    content.add("broken", "## 背景\n新しい事例。")
    ix = indexed()  # sequential path: the reference
    reference = sorted(ix.ids("倉庫", limit=50))
    monkeypatch.setattr(build, "PARALLEL_MIN", 1)
    monkeypatch.setattr(build, "WORK_CHUNK", 2)
    monkeypatch.setattr(build, "BATCH", 3)
    monkeypatch.setattr(build, "IN_FLIGHT", 1)
    docs = [d["id"] for batch in build.documents(ix.analyzer, ix.cases()) for d in batch]
    assert sorted(docs) == sorted(c.id for c in ix.cases())
    report = ix.rebuild()
    assert report.added == 10
    assert sorted(ix.ids("倉庫", limit=50)) == reference

    break_document(monkeypatch, "broken")
    with pytest.raises(IndexingError) as info:
        ix.rebuild()
    assert info.value.path == "content/cases/broken.md"
    assert sorted(ix.ids("倉庫", limit=50)) == reference


def test_sync_and_rebuild_take_cached_cases(
    content: ContentTree,
    indexed: Callable[[], Indexed],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """What `kb index` passes: unchanged files as CachedCase, unpickled only when sent."""
    content.add("keep", "## 背景\n変わらない倉庫の事例。")
    content.add("edit", "## 背景\n古い本文。")
    ix = indexed()
    settings = ix.settings.model_copy(update={"data_dir": tmp_path / "data"})
    load_for_index(settings)
    content.add("edit", "## 背景\n冷凍車を共同購入。")
    _, result = load_for_index(settings)
    assert [type(c).__name__ for c in result.cases] == ["Case", "CachedCase"]  # edit, keep
    loaded: list[str] = []
    real_load = CachedCase.load
    monkeypatch.setattr(CachedCase, "load", lambda self: loaded.append(self.id) or real_load(self))
    sent = spy_documents(monkeypatch)
    report = ix.builder.sync(result.cases)
    assert (report.updated, report.unchanged) == (1, 1)
    assert sent == ["edit"] and loaded == []
    assert ix.ids("冷凍車") == ["edit"]

    rebuilt = ix.builder.rebuild(result.cases)
    assert rebuilt.added == 2 and loaded == ["keep"]
    assert ix.ids("倉庫") == ["keep"] and ix.ids("冷凍車") == ["edit"]
