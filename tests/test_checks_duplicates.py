"""Near-duplicate rule of `kb check`: a case re-entered with light edits is found,
two different cases on the same theme from the same prefecture are not."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from click.testing import CliRunner

from kb.checks import run_checks
from kb.cli import main
from kb.config import load_settings
from tests.conftest import CONTENT, ContentTree
from tests.test_checks_structure import check, messages

ORIGINAL = CONTENT / "cases" / "aichi" / "aichi-2023-energy-price-pass.md"

OTHER_BODY = """\
## 背景

県内の金属プレス加工業者３０社で構成する協同組合では、自動車メーカーの生産調整と
鋼材価格の上昇が重なり、組合員の利益率が大きく低下していた。とくに金型の保管費用や
運賃の負担を発注側に求めにくい商慣行が残っており、若手経営者の間で不満が高まっていた。

## 取組

青年部が中心となって、金型の無償保管や小口配送の実態を調べるアンケートを行い、
発注企業ごとの負担額を一覧にした。県の下請かけこみ寺の相談員を講師に招いて、
取引条件の見直しを求める際の注意点を学ぶ研修会を開いたほか、
型保管料の請求書式を組合で統一した。

## 成果

金型の保管料を請求できた組合員が大きく増え、運賃の別建て請求も定着し始めた。
発注企業の一部からは、保管が不要になった金型の廃棄に同意する回答も得られた。

## 今後の課題

二次以下の取引先では依然として交渉が難しく、業界団体を通じた働きかけを続ける。
"""


def body_of(path: Path) -> str:
    return path.read_text(encoding="utf-8").split("---\n", 2)[2]


def lightly_edited(body: str) -> str:
    """Paragraphs of 背景 swapped, every number changed, ASCII/full-width flipped."""
    sections = body.split("## ")
    background = sections[1].split("\n\n")
    background[1], background[2] = background[2], background[1]
    sections[1] = "\n\n".join(background)
    text = "## ".join(sections)
    text = re.sub(
        r"[0-9０-９]+", lambda m: str(int(unicodedata.normalize("NFKC", m.group())) + 3), text
    )
    return text.replace("〇〇", "△△").replace("下請法", "下請代金支払遅延等防止法")


def add_original(content: ContentTree) -> None:
    content.add(
        "aichi-2023-energy-price-pass", body_of(ORIGINAL), title="鋳物組合の価格転嫁",
        themes="price-pass-through", prefecture="愛知県",
    )  # fmt: skip


def test_reentered_case_with_light_edits_is_found(content: ContentTree) -> None:
    add_original(content)
    content.add(
        "gifu-2024-imono-kakaku", lightly_edited(body_of(ORIGINAL)), title="鋳物組合による価格交渉",
        themes="price-pass-through", prefecture="岐阜県", year=2024,
    )  # fmt: skip
    code, findings = check(content)
    assert code == 0  # a warning ...
    found = messages(findings, "near-duplicate")
    assert len(found) == 1
    message, path, line = found[0]
    assert path == "content/cases/gifu-2024-imono-kakaku.md"
    assert line == 3  # the title line
    assert message.startswith(
        "content/cases/aichi-2023-energy-price-pass.md（鋳物組合の価格転嫁）とよく似ています（類似度 0."
    )
    similarity = float(re.search(r"類似度 ([0-9.]+)", message).group(1))  # type: ignore[union-attr]
    assert similarity >= 0.8
    assert check(content, "--strict")[0] == 1  # ... and an error in CI


def test_two_cases_on_the_same_theme_and_prefecture_are_not_flagged(content: ContentTree) -> None:
    add_original(content)
    content.add(
        "aichi-2023-press-kanagata", OTHER_BODY, title="プレス加工組合の取引条件改善",
        themes="price-pass-through", prefecture="愛知県",
    )  # fmt: skip
    code, findings = check(content)
    assert code == 0
    assert messages(findings, "near-duplicate") == []


def test_threshold_is_a_setting() -> None:
    # the two closest real cases share about 5% of their shingles
    loose = run_checks(load_settings(content_dir=CONTENT, near_duplicate_threshold=0.03))
    found = [f for f in loose.findings if f.check == "near-duplicate"]
    assert found
    assert all(
        f.severity == "warning" and "とよく似ています（類似度 0.0" in f.message for f in found
    )


def test_changed_file_is_compared_with_the_whole_collection(content: ContentTree) -> None:
    add_original(content)
    copy = content.add(
        "gifu-2024-imono-kakaku", lightly_edited(body_of(ORIGINAL)), prefecture="岐阜県"
    )
    result = CliRunner().invoke(main, ["check", "--content", str(content.root), str(copy)])
    assert "gifu-2024-imono-kakaku.md:3: [警告] body: content/cases/aichi-2023" in result.stdout


def test_real_content_has_no_near_duplicates_or_false_alarms() -> None:
    report = run_checks(load_settings(content_dir=CONTENT))
    assert report.cases >= 40
    assert [str(f) for f in report.findings if f.check != "taxonomy"] == []


def test_parallel_check_run_gives_the_same_findings(tmp_path, monkeypatch) -> None:
    """`kb check` spreads per-file rules and shingles over every core for large trees."""
    import kb.checks.runner as runner
    from kb.config import load_settings
    from tests.conftest import ContentTree

    content = ContentTree(tmp_path / "content")
    body = "## 背景\n{0}組合は共同受注を始めた。\n## 取組\n受注窓口を一本化した。\n## 成果\n売上が伸びた。\n## 今後の課題\n人材の確保。"
    for i in range(8):
        content.add(
            f"aichi-2023-p{i}", body.format(f"第{i}"), prefecture="愛知県", extra="tags: [ＤＸ]\n"
        )
    settings = load_settings(content_dir=content.root)
    sequential = runner.run_checks(settings)
    monkeypatch.setattr(runner, "_PARALLEL_MIN", 1)
    parallel = runner.run_checks(settings)
    assert parallel.findings == sequential.findings
    assert any(f.check == "near-duplicate" for f in parallel.findings)


def test_parallel_check_of_some_files_gives_the_same_findings(tmp_path, monkeypatch) -> None:
    """With paths given, the parallel run reports the same errors and findings for them."""
    import kb.checks.runner as runner
    from kb.config import load_settings
    from tests.conftest import ContentTree

    content = ContentTree(tmp_path / "content")
    body = "## 背景\n{0}組合は共同受注を始めた。\n## 取組\n受注窓口を一本化した。\n## 成果\n売上が伸びた。\n## 今後の課題\n人材の確保。"
    for i in range(6):
        content.add(f"aichi-2023-p{i}", body.format(f"第{i}"), prefecture="愛知県")
    content.add("aichi-2023-bad", body.format(""), prefecture="愛知")
    content.write(
        "cases/dup/aichi-2023-p1.md", (content.root / "cases/aichi-2023-p1.md").read_text()
    )
    outside = tmp_path / "draft" / "aichi-2023-new.md"
    outside.parent.mkdir()
    outside.write_text("---\nid: aichi-2023-new\n---\n", encoding="utf-8")
    only = [content.root / "cases/aichi-2023-p2.md", content.root / "cases/aichi-2023-bad.md"]
    only.append(outside)
    settings = load_settings(content_dir=content.root)
    sequential = runner.run_checks(settings, only=only)
    monkeypatch.setattr(runner, "_PARALLEL_MIN", 1)
    parallel = runner.run_checks(settings, only=only)
    assert parallel == sequential
    checks = {(f.check, f.path) for f in parallel.findings}
    assert ("near-duplicate", "content/cases/aichi-2023-p2.md") in checks
    assert ("content", "content/cases/aichi-2023-bad.md") in checks
    assert any(f.field == "id" and "重複" in f.message for f in parallel.findings)
    assert any(f.path == "draft/aichi-2023-new.md" for f in parallel.findings)


def test_skeleton_folds_width_okurigana_and_katakana_variants() -> None:
    from kb.checks.duplicates import skeleton

    assert skeleton("ＤＸの取り組みを進めた") == skeleton("DXの取組を進める") == "dx取組進"
    assert skeleton("コンピューターとヴァイオリン") == skeleton("コンピュータ・ブァイオリン")
    assert skeleton("令和６年に３０社") == skeleton("令和7年に45社")  # figures do not count


def test_shingles_are_distinct_64_bit_numbers_of_the_skeleton() -> None:
    from kb.case import Case
    from kb.checks.duplicates import SHINGLE, shingles, similarity

    def case(body: str) -> Case:
        return Case.model_construct(title="", summary="", body=body)

    one = shingles(case("組合員企業のＤＸ推進に取り組んだ。"))
    other = shingles(case("組合員企業のDX推進に取組んだ"))
    assert one.itemsize == 8  # 64-bit numbers in an array, not Python ints in a set
    assert set(one) == set(other) and similarity(one, other) == 1.0
    assert len(one) == len("組合員企業dx推進取組") - SHINGLE + 1
    # the text twice: its runs once, plus the runs across the seam, each kept once
    twice = shingles(case("組合員企業のＤＸ推進に取り組んだ。" * 2))
    assert len(twice) == len(set(twice)) == len(one) + SHINGLE - 1
    assert similarity(one, shingles(case("価格転嫁の取組"))) == 0.0


def test_reentered_case_in_other_orthography_is_found(content: ContentTree) -> None:
    """The same text with width, okurigana and katakana spelt otherwise is one case."""
    add_original(content)
    text = body_of(ORIGINAL)
    variant = unicodedata.normalize("NFKC", text)  # full-width letters and figures
    for a, b in (
        ("取り組み", "取組"),
        ("申し込み", "申込み"),
        ("打ち合わせ", "打合せ"),
        ("ー", ""),
    ):
        variant = variant.replace(a, b)
    assert variant != text
    content.add(
        "gifu-2024-imono", variant, title="鋳物組合の価格転嫁", themes="price-pass-through",
        prefecture="岐阜県", year=2024,
    )  # fmt: skip
    found = messages(check(content)[1], "near-duplicate")
    assert [path for _, path, _ in found] == ["content/cases/gifu-2024-imono.md"]
    assert float(re.search(r"類似度 ([0-9.]+)", found[0][0]).group(1)) >= 0.9  # type: ignore[union-attr]


def test_candidates_miss_no_pair_a_full_comparison_finds(tmp_path) -> None:
    """On a generated corpus (re-filed cases among templated ones) the inverted index and
    its filter find every pair that comparing every pair finds."""
    from itertools import combinations

    from kb.checks.duplicates import near_duplicates, shingles, similarity
    from kb.corpus import write_corpus
    from kb.loader import load_cases
    from kb.taxonomy import load_taxonomy

    out = tmp_path / "corpus"
    write_corpus(CONTENT, out, 300, seed=3)
    cases = load_cases(out, load_taxonomy(out), max_bytes=1 << 20).cases
    sets = [shingles(c) for c in cases]
    for threshold in (0.5, 0.8):
        brute = {
            (cases[i].id, cases[j].id)
            for i, j in combinations(range(len(cases)), 2)
            if similarity(sets[i], sets[j]) >= threshold
        }
        found = {
            tuple(sorted((p.first.id, p.second.id))) for p in near_duplicates(cases, threshold)
        }
        assert brute and found == {tuple(sorted(p)) for p in brute}
