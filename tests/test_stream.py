"""indexer.stream and Builder.rebuild_files: a rebuild straight from the files."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import indexer.stream as stream_mod
from indexer.stream import Streamed, stream
from kb.casefiles import case_files
from kb.errors import ContentErrors
from tests.conftest import ContentTree, Indexed


def _files(ix: Indexed) -> list[Any]:
    return case_files(ix.settings.content_dir / "cases")


@pytest.mark.parametrize("parallel", [False, True])
def test_rebuild_from_files_equals_rebuild_from_cases(
    content: ContentTree,
    indexed: Callable[[], Indexed],
    monkeypatch: pytest.MonkeyPatch,
    parallel: bool,
) -> None:
    for i in range(12):
        content.add(f"c{i}", f"## 背景\n共同倉庫{i}号をＤＸで運営した。")
    ix = indexed()  # Builder.rebuild from loaded cases: the reference
    reference = sorted(ix.ids("倉庫 DX", limit=50))
    if parallel:  # the worker-process path, with small chunks and batches
        monkeypatch.setattr(stream_mod, "PARALLEL_MIN", 1)
        monkeypatch.setattr(stream_mod, "CHUNK", 5)
    report = ix.builder.rebuild_files(_files(ix), ix.taxonomy)
    assert report.added == 12 and report.rebuilt
    assert sorted(ix.ids("倉庫 DX", limit=50)) == reference == sorted(f"c{i}" for i in range(12))
    streamed = ix.builder.streamed
    assert streamed is not None and not streamed.errors
    assert streamed.hashes == {c.id: ix.analyzer.doc_hash(c) for c in ix.cases()}
    assert streamed.parse_s > 0 and streamed.analyse_s > 0


def test_problems_keep_the_live_index_and_are_all_reported(
    content: ContentTree, indexed: Callable[[], Indexed]
) -> None:
    content.add("good", "## 背景\n共同倉庫を運営した。")
    ix = indexed()
    content.add("bad-year", year=1800)
    content.write("cases/dup.md", (content.root / "cases" / "good.md").read_text())
    content.add("added", "## 背景\n新しい共同倉庫。")
    with pytest.raises(ContentErrors) as info:
        ix.builder.rebuild_files(_files(ix), ix.taxonomy)
    problems = {(e.path, e.field) for e in info.value.errors}
    assert ("content/cases/bad-year.md", "year") in problems
    assert any(field == "id" for _, field in problems)  # dup.md: its id is good's (or wrong)
    assert ix.ids("倉庫") == ["good"]  # the old index still serves, unchanged
    names = [i.uid for i in ix.client.get_indexes({"limit": 1000})["results"]]
    assert not [n for n in names if n.startswith(ix.settings.index_name + "__build_")]


def test_duplicate_ids_name_both_files(
    content: ContentTree, indexed: Callable[[], Indexed]
) -> None:
    content.add("same")
    ix = indexed()
    (content.root / "cases" / "sub").mkdir()
    (content.root / "cases" / "sub" / "same.md").write_text(
        (content.root / "cases" / "same.md").read_text(), encoding="utf-8"
    )
    out = Streamed()
    files = _files(ix)
    docs = [d["id"] for b in stream(files, ix.settings.content_dir, ix.taxonomy, ix.analyzer,
                                    10**6, out, 10) for d in b]  # fmt: skip
    assert docs == []  # nothing is yielded once a problem is known
    (dup,) = out.errors
    assert dup.field == "id" and dup.line is not None
    assert "content/cases/same.md" in dup.message or "content/cases/sub/same.md" in dup.message
