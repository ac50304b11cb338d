"""A synthetic corpus of valid cases at any size, for benchmarks (`kb bench corpus`).

The same seed always gives the same files. Cases cover every theme, prefecture,
kind, industry and organization type of the real taxonomy, have a long-tailed
length distribution like the sample content, vary their orthography the way
different authors do (full-width letters and digits, okurigana, katakana
variants, abbreviations) and include some near-duplicates (a case re-filed
with one sentence changed). The vocabulary and sentence patterns (kb.phrasebook) were
written for this project; every case is fictional.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TypeVar

import click

from kb.phrasebook import (
    ACTION_PATTERNS,
    ANSWERS,
    FUTURE_PATTERNS,
    GENERIC,
    ISSUE_PATTERNS,
    OPENINGS,
    PLACES,
    QUESTIONS,
    RESULT_PATTERNS,
    TAGS,
    THEME_TEXT,
    TITLES,
    TRADES,
    VARIANTS,
)
from kb.taxonomy import Taxonomy, load_taxonomy

NEAR_DUPLICATE_RATE = 0.03
T = TypeVar("T")
_FULL = str.maketrans({chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F) if chr(c) != "#"})


@dataclass(frozen=True)
class GeneratedCase:
    id: str
    romaji: str
    text: str


def _cycle(rng: random.Random, values: Sequence[T], i: int) -> T:
    """Each value once in order (so small corpora cover the vocabulary), then at random."""
    return values[i] if i < len(values) else rng.choice(values)


def _sample_length(rng: random.Random) -> int:
    """Sentences per body: long-tailed (most cases are short, a few run long)."""
    return max(4, min(120, int(rng.lognormvariate(3.0, 0.6))))


def _spell(text: str, style: dict[str, str], full_width: bool) -> str:
    for canonical, chosen in style.items():
        text = text.replace(canonical, chosen)
    return text.translate(_FULL) if full_width else text


def _body(
    rng: random.Random,
    kind: str,
    themes: list[str],
    slots: dict[str, str],
    spell: Callable[[str], str],
) -> str:
    """The Markdown body; headings stay as the content contract spells them."""

    def fill(pattern: str, theme: str) -> str:
        actions, issues, results = THEME_TEXT[theme]
        return pattern.format(
            action=rng.choice(actions),
            issue=rng.choice(issues),
            result=rng.choice(results),
            **slots,
        )

    def pick(patterns: list[str]) -> str:
        if rng.random() < 0.35:
            return rng.choice(GENERIC).format(**slots)
        return fill(rng.choice(patterns), rng.choice(themes))

    total = _sample_length(rng)
    if kind == "qa":
        topic = rng.choice(THEME_TEXT[themes[0]][0]).rstrip("た") + "こと"
        answer = [pick(ACTION_PATTERNS + ANSWERS) for _ in range(total)]
        question = rng.choice(QUESTIONS).format(topic=topic)
        return f"## 質問\n\n{spell(question)}\n\n## 回答\n\n" + spell("".join(answer)) + "\n"
    sections = (
        ["背景", "取組", "成果", "今後の課題"]
        if kind == "case"
        else ["概要", "ポイント", "進め方", "参考"]
    )
    n = max(1, total // len(sections))
    out = []
    for name in sections:
        if name in ("背景", "概要"):
            sents = [rng.choice(OPENINGS).format(**slots)]
            sents += [pick(ISSUE_PATTERNS) for _ in range(n - 1)]
        elif name in ("成果", "ポイント"):
            sents = [pick(RESULT_PATTERNS) for _ in range(n)]
        elif name in ("今後の課題", "参考"):
            sents = rng.sample(FUTURE_PATTERNS, k=min(n, len(FUTURE_PATTERNS)))
        else:
            sents = [pick(ACTION_PATTERNS) for _ in range(n)]
        paragraphs = ["".join(sents[i : i + 4]) for i in range(0, len(sents), 4)]
        out.append(f"## {name}\n\n" + spell("\n\n".join(paragraphs)))
    return "\n\n".join(out) + "\n"


def _yaml_list(items: list[str]) -> str:
    return "[" + ", ".join(items) + "]"


def generate(taxonomy: Taxonomy, count: int, seed: int) -> Iterator[GeneratedCase]:
    """``count`` valid cases, the same for the same seed and taxonomy."""
    rng = random.Random(seed)
    themes = list(taxonomy.themes)
    prefs = [(p.name, p.romaji) for p in taxonomy.prefectures.values()]
    industries = taxonomy.vocab["industries"].values
    org_types = taxonomy.vocab["organization_types"].values
    programs = taxonomy.vocab["programs"].values
    kinds = list(taxonomy.kinds)
    made: list[GeneratedCase] = []
    for i in range(count):
        if made and rng.random() < NEAR_DUPLICATE_RATE:
            yield (dup := _near_duplicate(rng, rng.choice(made[-200:]), i))
            made.append(dup)
            continue
        # round-robin first so every vocabulary value appears in even small corpora
        pref, romaji = _cycle(rng, prefs, i)
        kind = kinds[i % len(kinds)] if i < len(kinds) else rng.choices(kinds, (70, 20, 10))[0]
        first = themes[i % len(themes)]
        picked = [first, *rng.sample([t for t in themes if t != first], k=rng.choice((0, 0, 1, 2)))]
        year = rng.randint(2010, 2025)
        trade = _cycle(rng, TRADES, i)
        org = f"{rng.choice(PLACES)}{trade}協同組合"
        chosen_programs = rng.sample(programs, k=rng.choice((0, 1, 1, 2)))
        if i < len(programs):
            chosen_programs = [programs[i]]
        slots = {
            "org": org, "pref": pref, "trade": trade, "n": str(rng.randint(5, 120)),
            "year": str(year), "program": (chosen_programs or ["中央会の専門家派遣"])[0],
        }  # fmt: skip
        style = {canon: rng.choice(options) for canon, options in VARIANTS}
        full_width = rng.random() < 0.25
        body = _body(rng, kind, picked, slots, partial(_spell, style=style, full_width=full_width))
        action = rng.choice(THEME_TEXT[first][0])
        label = taxonomy.theme_label(first)
        title = _spell(
            rng.choice(TITLES).format(org=org, label=label, pref=pref), style, full_width
        )
        summary = _spell(
            f"{org}は{action}。{rng.choice(THEME_TEXT[first][2])}。", style, full_width
        )
        tags = rng.sample(TAGS, k=rng.randint(1, 4))
        case_id = f"{romaji}-{year}-{first}-{i:06d}"
        lines = [
            "---",
            f"id: {case_id}",
            f"title: {title}",
            f"summary: {summary}",
            f"kind: {kind}",
            f"themes: {_yaml_list(picked)}",
            f"prefecture: {pref}",
            f"industry: {_cycle(rng, industries, i)}",
            f"organization: {org}",
            f"organization_type: {_cycle(rng, org_types, i)}",
            f"programs: {_yaml_list(chosen_programs)}",
            f"tags: {_yaml_list(tags)}",
            f"year: {year}",
            f"published: {min(year + 1, 2026)}-0{rng.randint(1, 9)}-{rng.randint(10, 28)}",
            f"visibility: {'public' if rng.random() < 0.85 else 'internal'}",
            "---",
            "",
        ]
        case = GeneratedCase(case_id, romaji, "\n".join(lines) + body)
        made.append(case)
        yield case


def _near_duplicate(rng: random.Random, original: GeneratedCase, i: int) -> GeneratedCase:
    """The same case filed again under another id, with one sentence added."""
    prefix = original.id.rsplit("-", 1)[0]
    new_id = f"{prefix}-{i:06d}"
    text = original.text.replace(f"id: {original.id}\n", f"id: {new_id}\n", 1)
    text += "\n" + rng.choice(FUTURE_PATTERNS) + "\n"
    return GeneratedCase(new_id, original.romaji, text)


def write_corpus(source: Path, out: Path, count: int, seed: int) -> int:
    """Write a content/-style tree (taxonomy.yml and synonyms.yml copied from ``source``)."""
    taxonomy = load_taxonomy(source)
    cases_dir = out / "cases"
    if cases_dir.exists():
        shutil.rmtree(cases_dir)
    cases_dir.mkdir(parents=True)
    for name in ("taxonomy.yml", "synonyms.yml"):
        shutil.copy(source / name, out / name)
    made_dirs: set[str] = set()
    n = 0
    for case in generate(taxonomy, count, seed):
        folder = cases_dir / case.romaji
        if case.romaji not in made_dirs:
            folder.mkdir(exist_ok=True)
            made_dirs.add(case.romaji)
        (folder / f"{case.id}.md").write_text(case.text, encoding="utf-8")
        n += 1
    return n


@click.group("bench")
def bench_group() -> None:
    """ベンチマーク用の道具。"""


@bench_group.command("corpus")
@click.option("--count", type=click.IntRange(1, 1_000_000), required=True, help="生成する件数")
@click.option(
    "--seed", type=int, default=1, show_default=True, help="乱数の種（同じ種なら同じ内容）"
)
@click.option(
    "--out", type=click.Path(path_type=Path, file_okay=False), required=True, help="出力先"
)
@click.option(
    "--from", "source", type=click.Path(path_type=Path, file_okay=False), default=Path("content"),
    show_default=True, help="taxonomy.yml と synonyms.yml を写す元のフォルダ",
)  # fmt: skip
def corpus_command(count: int, seed: int, out: Path, source: Path) -> None:
    """架空の事例を COUNT 件生成する（ベンチマーク用。既存の cases/ は置き換える）。"""
    from kb.cli import handles_errors

    n = handles_errors(write_corpus)(source, out, count, seed)
    click.echo(f"{n} 件の事例を {out} に生成しました", err=True)
