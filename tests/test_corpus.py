"""The benchmark corpus: deterministic, valid under `kb check`, covering the taxonomy."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from kb.cli import main
from kb.corpus import generate, write_corpus
from kb.loader import load_cases
from kb.taxonomy import load_taxonomy

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"


def test_same_seed_same_cases_other_seed_other_cases():
    tax = load_taxonomy(CONTENT)
    first = [c.text for c in generate(tax, 30, seed=7)]
    assert first == [c.text for c in generate(tax, 30, seed=7)]
    assert first != [c.text for c in generate(tax, 30, seed=8)]


def test_written_corpus_is_valid_and_covers_the_taxonomy(tmp_path):
    tax = load_taxonomy(CONTENT)
    n = len(tax.prefectures) + 12
    assert write_corpus(CONTENT, tmp_path, n, seed=1) == n
    assert (tmp_path / "taxonomy.yml").read_bytes() == (CONTENT / "taxonomy.yml").read_bytes()
    assert (tmp_path / "synonyms.yml").read_bytes() == (CONTENT / "synonyms.yml").read_bytes()
    result = load_cases(tmp_path, tax, max_bytes=1_000_000)
    assert result.ok, [str(e) for e in result.errors[:3]]
    cases = result.cases
    assert len(cases) == n
    assert {c.prefecture for c in cases} == set(tax.vocab["prefectures"].values)
    assert {t for c in cases for t in c.themes} == set(tax.themes)
    assert {c.kind for c in cases} == set(tax.kinds)
    assert {c.organization_type for c in cases} == set(tax.vocab["organization_types"].values)


def test_orthographic_variety_and_near_duplicates():
    tax = load_taxonomy(CONTENT)
    texts = [c.text for c in generate(tax, 400, seed=1)]
    joined = "\n".join(texts)
    for variant in ("取り組み", "取組み", "ＢＣＰ", "サーバ", "打ち合わせ", "２"):
        assert variant in joined, variant
    bodies = [t.split("\n---\n", 1)[1] for t in texts]
    near = [b for b in bodies if any(b != o and b.startswith(o.rstrip("\n")) for o in bodies)]
    assert near, "expected some near-duplicate cases"
    lengths = sorted(len(b) for b in bodies)
    assert lengths[-1] > 3 * lengths[0]  # a long tail, not one size


def test_cli_bench_corpus_then_check_passes(tmp_path):
    runner = CliRunner()
    out = tmp_path / "corpus"
    made = runner.invoke(
        main, ["bench", "corpus", "--count", "12", "--seed", "2", "--out", str(out)]
    )
    assert made.exit_code == 0, made.output
    assert len(list((out / "cases").rglob("*.md"))) == 12
    checked = runner.invoke(main, ["check", "--content", str(out)])
    assert checked.exit_code == 0, checked.output
