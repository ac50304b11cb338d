"""indexer.stream and Builder.rebuild_files: a rebuild straight from the files."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import indexer.stream as stream_mod
from indexer.stream import Streamed, stream
from kb.casefiles import case_files
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


def test_problems_are_all_reported_and_the_valid_files_still_indexed(
    content: ContentTree, indexed: Callable[[], Indexed]
) -> None:
    content.add("good", "## 背景\n共同倉庫を運営した。")
    ix = indexed()
    content.add("bad-year", year=1800)
    content.write("cases/dup.md", (content.root / "cases" / "good.md").read_text())
    content.add("added", "## 背景\n新しい共同倉庫。")
    report = ix.builder.rebuild_files(_files(ix), ix.taxonomy)
    streamed = ix.builder.streamed
    assert streamed is not None and report.added == 2
    problems = {(e.path, e.field) for e in streamed.errors}
    assert ("content/cases/bad-year.md", "year") in problems
    assert any(field == "id" for _, field in problems)  # dup.md: its id is good's (or wrong)
    assert sorted(ix.ids("倉庫")) == ["added", "good"]  # the valid change went in
    names = [i.uid for i in ix.client.get_indexes({"limit": 1000})["results"]]
    assert not [n for n in names if n.startswith(ix.settings.index_name + "__build_")]


@pytest.mark.parametrize("visibility", ["public", "internal", "unparseable"])
def test_a_broken_case_keeps_its_last_good_version_or_is_withdrawn(
    content: ContentTree, indexed: Callable[[], Indexed], visibility: str
) -> None:
    content.add("other", "## 背景\n共同配送を始めた。")
    path = content.add("shaky", "## 背景\n共同倉庫を運営した。")
    ix = indexed()
    if visibility == "unparseable":
        path.write_text("---\nid: shaky\nvisibility: public\ntitle: [broken\n---\n本文。\n")
    else:  # a wrong year, and a new body that must not reach the index
        content.add("shaky", "## 背景\n新しい本文。", year=1800, visibility=visibility)
    content.add("other", "## 背景\n共同購買を始めた。")
    report = ix.builder.rebuild_files(_files(ix), ix.taxonomy)
    assert report.kept == 1 and report.withdrawn == (visibility != "public")
    assert ix.ids("共同購買") == ["other"]  # the valid change went in
    assert ix.ids("倉庫") == ["shaky"] and ix.ids("新しい") == []  # last good version
    public = ["shaky"] if visibility == "public" else []
    assert ix.ids("倉庫", public_only=True) == public
    again = ix.builder.rebuild_files(_files(ix), ix.taxonomy)  # from the withdrawn version
    assert again.kept == 1 and ix.ids("倉庫", public_only=True) == public


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
    assert docs == ["same"]  # the first file keeps the id
    (dup,) = out.errors
    assert dup.field == "id" and dup.line is not None
    assert "content/cases/same.md" in dup.message or "content/cases/sub/same.md" in dup.message
