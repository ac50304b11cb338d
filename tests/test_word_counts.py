"""kb.word_counts: a word's hit count is reused a while, a zero only briefly."""

from __future__ import annotations

import pytest

import kb.word_counts
from kb.word_counts import WordCounts

ASKED = [("事業承継", []), ("脱炭素", ['prefecture = "香川県"'])]


def test_counts_are_given_back_only_when_all_were_kept() -> None:
    counts = WordCounts()
    assert counts.get(ASKED, None) is None
    counts.put(ASKED, None, [12, 3])
    assert counts.get(ASKED, None) == [12, 3]
    assert counts.get([*ASKED, ("組合", [])], None) is None  # one not asked yet: ask all
    # another filter or other searched fields are other counts
    assert counts.get([("脱炭素", [])], None) is None
    assert counts.get(ASKED, ["title", "summary"]) is None


def test_a_count_expires_and_a_zero_sooner(monkeypatch: pytest.MonkeyPatch) -> None:
    counts = WordCounts()
    counts.put([("事業承継", [])], None, [12])
    counts.put([("支援策", [])], None, [0])
    monkeypatch.setattr(kb.word_counts, "ZERO_TTL_S", -1.0)
    assert counts.get([("事業承継", [])], None) == [12]
    assert counts.get([("支援策", [])], None) is None  # "found nowhere" is asked again
    monkeypatch.setattr(kb.word_counts, "COUNTS_TTL_S", -1.0)
    assert counts.get([("事業承継", [])], None) is None


def test_kept_counts_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kb.word_counts, "COUNTS_KEPT", 3)
    counts = WordCounts()
    for i in range(10):
        counts.put([(f"語{i}", [])], None, [i + 1])
        assert len(counts._kept) <= 4
    assert counts.get([("語9", [])], None) == [10]
    counts.clear()
    assert counts.get([("語9", [])], None) is None
