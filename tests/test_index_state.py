"""kb.cache.IndexState: the last sync's hashes are reused only while the index is unchanged."""

from __future__ import annotations

from indexer.build import Builder
from kb.cache import IndexState


def _builder(ix, tmp_path) -> Builder:
    state = IndexState(tmp_path / "data", ix.conn.url, ix.settings.index_name)
    return Builder(ix.settings, ix.conn, ix.analyzer, state)


def test_noop_sync_reads_hashes_from_the_record(content, indexed, tmp_path, monkeypatch):
    content.add("a", "## 背景\n共同受注。")
    content.add("b", "## 背景\n共同配送。")
    ix = indexed()
    builder = _builder(ix, tmp_path)
    first = builder.sync(ix.cases())  # no record yet: reads the server, then records
    assert first.unchanged == 2
    assert builder.state is not None and builder.state.load(builder._version()) is not None

    def no_fetch(*args, **kwargs):
        raise AssertionError("hashes must come from the record")

    monkeypatch.setattr(type(ix.client.index(ix.settings.index_name)), "get_documents", no_fetch)
    again = builder.sync(ix.cases())
    assert (again.added, again.updated, again.removed, again.unchanged) == (0, 0, 0, 2)


def test_a_change_made_elsewhere_invalidates_the_record(content, indexed, tmp_path):
    content.add("a", "## 背景\n共同受注。")
    content.add("b", "## 背景\n共同配送。")
    ix = indexed()
    builder = _builder(ix, tmp_path)
    builder.sync(ix.cases())
    # someone else deletes a document behind kb's back
    task = ix.client.index(ix.settings.index_name).delete_document("b")
    ix.client.wait_for_task(task.task_uid, timeout_in_ms=30_000)
    report = builder.sync(ix.cases())
    assert report.added == 1 and report.unchanged == 1  # noticed and repaired
    assert ix.ids("共同配送") == ["b"]


def test_sync_after_changes_records_the_new_state(content, indexed, tmp_path):
    content.add("a", "## 背景\n共同受注。")
    ix = indexed()
    builder = _builder(ix, tmp_path)
    builder.sync(ix.cases())
    content.add("c", "## 背景\n共同購買。")
    report = builder.sync(ix.cases())
    assert report.added == 1
    recorded = builder.state.load(builder._version()) if builder.state else None
    assert recorded is not None and set(recorded) == {"a", "c"}
    rebuilt = builder.rebuild(ix.cases())
    assert rebuilt.rebuilt
    after = builder.state.load(builder._version()) if builder.state else None
    assert after is not None and set(after) == {"a", "c"}
