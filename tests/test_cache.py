"""kb.cache: validated cases reused only while the file, the taxonomy and kb are unchanged."""

from __future__ import annotations

import os

import pytest

import kb.loader as loader_module
from kb.cache import LoadCache
from kb.loader import load_cases
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
