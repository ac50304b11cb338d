"""kb.cache: validated cases reused only while the file, the taxonomy and kb are unchanged;
`kb index` reads only new and changed files (kb.loader.load_for_index)."""

from __future__ import annotations

import os

import pytest

import kb.loader as loader_module
from indexer.build import full
from indexer.documents import Analyzer
from kb.cache import CachedCase, LoadCache, scan
from kb.case import Case
from kb.casefiles import case_files
from kb.config import load_settings
from kb.loader import load_cases, load_for_index
from kb.taxonomy import load_taxonomy


def _bump(path) -> None:
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))


@pytest.fixture
def tree(content, tmp_path):
    a = content.add("aichi-2023-a", "## 背景\n共同受注。")
    b = content.add("aichi-2023-b", "## 背景\n共同配送。")
    taxonomy = load_taxonomy(content.root)
    return content, a, b, taxonomy, tmp_path / "data"


def _load(content, taxonomy, data):
    cache = LoadCache(data, content.root, taxonomy.digest)
    return load_cases(content.root, taxonomy, max_bytes=10**6, cache=cache)


def test_unchanged_files_are_not_read_again(tree, monkeypatch):
    content, _a, b, taxonomy, data = tree
    first = _load(content, taxonomy, data)
    assert [c.id for c in first.cases] == ["aichi-2023-a", "aichi-2023-b"]

    calls = []
    real = loader_module.load_file
    monkeypatch.setattr(loader_module, "load_file", lambda p, *a: calls.append(p) or real(p, *a))
    again = _load(content, taxonomy, data)
    assert [c.id for c in again.cases] == ["aichi-2023-a", "aichi-2023-b"]
    assert calls == []  # everything came from the cache

    b.write_text(b.read_text(encoding="utf-8").replace("共同配送", "共同購買"), encoding="utf-8")
    _bump(b)
    changed = _load(content, taxonomy, data)
    assert calls == [b]
    assert "共同購買" in changed.cases[1].body


def test_an_invalid_edit_is_reported_not_served_from_cache(tree):
    content, a, _b, taxonomy, data = tree
    _load(content, taxonomy, data)
    a.write_text(a.read_text(encoding="utf-8").replace("愛知県", "愛知"), encoding="utf-8")
    _bump(a)
    result = _load(content, taxonomy, data)
    assert [c.id for c in result.cases] == ["aichi-2023-b"]
    assert any("愛知県" in e.message for e in result.errors)


def test_taxonomy_change_invalidates_everything(tree):
    content, _a, _b, taxonomy, data = tree
    _load(content, taxonomy, data)
    assert LoadCache(data, content.root, taxonomy.digest).entries
    assert LoadCache(data, content.root, "another-taxonomy").entries == {}


def test_removed_files_leave_the_cache_and_a_corrupt_cache_is_ignored(tree):
    content, a, b, taxonomy, data = tree
    _load(content, taxonomy, data)
    b.unlink()
    assert [c.id for c in _load(content, taxonomy, data).cases] == ["aichi-2023-a"]
    cache = LoadCache(data, content.root, taxonomy.digest)
    assert list(cache.entries) == [str(a)]
    cache.path.write_bytes(b"not a pickle")
    assert LoadCache(data, content.root, taxonomy.digest).entries == {}
    assert [c.id for c in _load(content, taxonomy, data).cases] == ["aichi-2023-a"]
    assert oct(cache.path.stat().st_mode & 0o777) == "0o600"


# -- scan, CachedCase and load_for_index (what `kb index` uses) ------------------------


def test_scan_lists_what_case_files_lists_in_the_same_order(content, tmp_path):
    content.add("b-case")
    content.write("cases/a/z-case.md", "x")
    content.write("cases/a-b/y-case.md", "x")  # "a-b" < "a/…" as text, not as a path
    content.write("cases/_drafts/skip.md", "x")
    content.write("cases/.hidden.md", "x")
    content.write("cases/notes.txt", "x")
    os.symlink(content.root / "cases" / "a", content.root / "cases" / "linked")
    found = scan(content.root / "cases")
    assert list(found) == [str(p) for p in case_files(content.root / "cases")]
    assert len(found) == 3
    first = next(iter(found))
    assert found[first] == (os.stat(first).st_size, os.stat(first).st_mtime_ns)
    assert scan(content.root / "missing") == {}


def _settings(content, tmp_path):
    return load_settings(content_dir=content.root, data_dir=tmp_path / "data")


def test_index_load_reads_only_new_and_changed_files(tree, tmp_path, monkeypatch):
    content, _a, b, _taxonomy, _data = tree
    settings = _settings(content, tmp_path)
    _, first = load_for_index(settings)
    assert [type(c) for c in first.cases] == [Case, Case]

    calls = []
    real = loader_module.load_file
    monkeypatch.setattr(loader_module, "load_file", lambda p, *a: calls.append(p) or real(p, *a))
    _, again = load_for_index(settings)
    assert calls == []
    assert [type(c) for c in again.cases] == [CachedCase, CachedCase]
    cached = again.cases[0]
    assert isinstance(cached, CachedCase)
    assert (cached.id, cached.digest, cached.source) == (
        first.cases[0].id,
        first.cases[0].digest,
        first.cases[0].source,
    )
    assert cached.load() == first.cases[0]  # from the cache, not from the file
    assert calls == []

    b.write_text(b.read_text(encoding="utf-8").replace("共同配送", "共同購買"), encoding="utf-8")
    _bump(b)
    _, changed = load_for_index(settings)
    assert calls == [b]
    assert [type(c) for c in changed.cases] == [CachedCase, Case]
    assert "共同購買" in full(changed.cases)[1].body


def test_index_load_finds_duplicates_and_errors_across_cached_and_new_files(tree, tmp_path):
    content, a, _b, _taxonomy, _data = tree
    settings = _settings(content, tmp_path)
    load_for_index(settings)
    dup = content.write("cases/z/aichi-2023-a.md", a.read_text(encoding="utf-8"))
    content.add("broken", "## 背景\n本文。", prefecture="愛知")
    _, result = load_for_index(settings)
    assert [c.id for c in result.cases] == ["aichi-2023-a", "aichi-2023-b"]
    assert isinstance(result.cases[0], CachedCase)
    messages = {(e.path or "").rsplit("/", 1)[-1]: e for e in result.errors}
    assert "重複" in messages["aichi-2023-a.md"].message
    assert messages["aichi-2023-a.md"].line == 2 and messages["aichi-2023-a.md"].field == "id"
    assert "愛知県" in messages["broken.md"].message
    dup.unlink()
    _, fixed = load_for_index(settings)
    assert [c.id for c in fixed.cases] == ["aichi-2023-a", "aichi-2023-b"]


def test_index_load_can_leave_the_cache_to_the_caller(tree, tmp_path):
    content, _a, _b, taxonomy, _data = tree
    settings = _settings(content, tmp_path)
    _, result = load_for_index(settings, save_cache=False)
    assert LoadCache(settings.data_dir, content.root, taxonomy.digest).entries == {}
    result.save_cache()
    _, again = load_for_index(settings)
    assert all(isinstance(c, CachedCase) for c in again.cases)


def test_a_lost_shard_reads_the_file_again(tree, tmp_path):
    content, _a, _b, taxonomy, _data = tree
    settings = _settings(content, tmp_path)
    _, first = load_for_index(settings)
    cache = LoadCache(settings.data_dir, content.root, taxonomy.digest)
    for shard in cache.shard_dir.iterdir():
        shard.write_bytes(b"not a pickle")
    _, again = load_for_index(settings)
    assert [c.load() for c in again.cases if isinstance(c, CachedCase)] == first.cases
    assert oct(next(cache.shard_dir.iterdir()).stat().st_mode & 0o777) == "0o600"


def test_doc_hash_of_a_cached_case_is_the_analyzers(tree, tmp_path):
    content, _a, _b, taxonomy, _data = tree
    settings = _settings(content, tmp_path)
    _, first = load_for_index(settings)
    _, again = load_for_index(settings)
    analyzer = Analyzer.create(taxonomy)
    assert [analyzer.doc_hash(c) for c in again.cases] == [
        analyzer.doc_hash(c) for c in first.cases if isinstance(c, Case)
    ]
