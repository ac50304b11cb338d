"""The collection against the plan: counts by kind, theme, region, prefecture and year, and
progress towards content/targets.yml.

Counted from the index (two searches with ``limit: 0`` and facets, as the search page
counts, so the figures are what instructors can find) or from the content files (``kb stats
--from-files``: no Meilisearch, like ``kb check``). Both feed the same ``Facets`` into
``build``, so they agree whenever the index is up to date.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from kb.case import Case
from kb.export import to_csv
from kb.targets import Targets
from kb.taxonomy import REGIONS, Taxonomy

if TYPE_CHECKING:  # indexer.documents imports this module; kb.search imports that one
    from kb.search import Searcher

# A field's values -> how many entries have each (Meilisearch's facetDistribution shape).
Facets = dict[str, dict[str, int]]
FIELDS = ["kind", "themes", "prefecture", "region", "year", "electronic_files"]
CSV_HEADER = ["区分", "キー", "名称", "件数", "目標", "達成率(%)"]
# The two searches behind the figures: everything, and the case studies' themes.
REQUESTS: list[dict[str, Any]] = [
    {"limit": 0, "facets": FIELDS},
    {"limit": 0, "facets": ["themes"], "filter": ['kind = "case"']},
]


def electronic_files(kind: str, attachments: Sequence[str]) -> int:
    """How many electronic files (電子ファイル) one entry adds to the plan's count.

    Each attached file is one (an imported PDF or Office original, a spreadsheet or slides
    given with a case); guidance material written straight in Markdown (``kind: material``
    without attachments) is itself one. A case or Q&A without attachments adds none.
    """
    if attachments:
        return len(attachments)
    return 1 if kind == "material" else 0


@dataclass(frozen=True)
class Count:
    key: str
    label: str
    count: int
    group: str = ""  # a prefecture's region


@dataclass(frozen=True)
class Progress:
    key: str
    label: str
    count: int
    target: int

    @property
    def percent(self) -> float:
        return 100.0 * self.count / self.target

    @property
    def shown_percent(self) -> str:
        return f"{self.percent:.1f}"


@dataclass
class Stats:
    source: str  # "index" or "files"
    total: int
    electronic_files: int
    kinds: list[Count] = field(default_factory=list)
    themes: list[Count] = field(default_factory=list)
    regions: list[Count] = field(default_factory=list)
    prefectures: list[Count] = field(default_factory=list)
    years: list[Count] = field(default_factory=list)
    progress: list[Progress] = field(default_factory=list)
    plan: str | None = None

    def sections(self) -> list[tuple[str, str, list[Count]]]:
        """(key, Japanese heading, rows) of every count table, in the order shown."""
        return [
            ("kind", "種別", self.kinds),
            ("theme", "テーマ", self.themes),
            ("region", "地域", self.regions),
            ("prefecture", "都道府県", self.prefectures),
            ("year", "年度", self.years),
        ]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "source": self.source,
            "plan": self.plan,
            "total": self.total,
            "electronic_files": self.electronic_files,
        }
        for key, _, rows in self.sections():
            out[key] = [asdict(r) for r in rows]
        out["progress"] = [{**asdict(p), "percent": round(p.percent, 1)} for p in self.progress]
        return out

    def to_csv(self) -> str:
        """One row per figure: section, key, label, count, target, percent (Excel-ready)."""
        rows: list[list[object]] = [
            ["合計", "total", "登録件数", self.total, "", ""],
            ["合計", "electronic_files", "電子ファイル", self.electronic_files, "", ""],
        ]
        rows += [
            ["進捗", p.key, p.label, p.count, p.target, p.shown_percent] for p in self.progress
        ]
        for key, heading, items in self.sections():
            rows += [[heading, f"{key}:{r.key}", r.label, r.count, "", ""] for r in items]
        return to_csv(CSV_HEADER, rows)


def build(taxonomy: Taxonomy, targets: Targets, facets: Facets, case_themes: dict[str, int],
          source: str) -> Stats:  # fmt: skip
    """The figures from every entry's facet counts and the case studies' theme counts."""

    def count(name: str, key: str) -> int:
        return int(facets.get(name, {}).get(key, 0))

    kinds = [Count(k, label, count("kind", k)) for k, label in taxonomy.kinds.items()]
    files = sum(int(n) * int(c) for n, c in facets.get("electronic_files", {}).items())
    years_seen = sorted(int(y) for y, c in facets.get("year", {}).items() if c)
    years = range(years_seen[0], years_seen[-1] + 1) if years_seen else range(0)
    by_kind = {c.key: c for c in kinds}
    progress = []
    if targets.electronic_files:
        progress.append(
            Progress("electronic_files", "電子ファイル", files, targets.electronic_files)
        )
    for kind, target in targets.kinds.items():
        label = taxonomy.kinds.get(kind, kind)
        progress.append(Progress(f"kind:{kind}", label, by_kind[kind].count, target))
    for theme, target in targets.themes.items():
        label = f"{taxonomy.kinds.get('case', '事例')}（{taxonomy.theme_label(theme)}）"
        progress.append(Progress(f"theme:{theme}", label, case_themes.get(theme, 0), target))
    return Stats(
        source=source,
        total=sum(c.count for c in kinds),
        electronic_files=files,
        kinds=kinds,
        themes=[Count(k, t.label, count("themes", k)) for k, t in taxonomy.themes.items()],
        regions=[Count(r, r, count("region", r)) for r in REGIONS],
        prefectures=[
            Count(name, name, count("prefecture", name), p.region)
            for name, p in taxonomy.prefectures.items()
        ],
        years=[Count(str(y), f"{y}年度", count("year", str(y))) for y in years],
        progress=progress,
        plan=targets.plan,
    )


def from_cases(cases: Iterable[Case], taxonomy: Taxonomy, targets: Targets) -> Stats:
    """The figures from loaded case files (no index needed)."""
    counters: dict[str, Counter[str]] = {name: Counter() for name in FIELDS}
    case_themes: Counter[str] = Counter()
    for case in cases:
        counters["kind"][case.kind] += 1
        counters["themes"].update(case.themes)
        counters["prefecture"][case.prefecture] += 1
        counters["region"][taxonomy.region_of(case.prefecture)] += 1
        counters["year"][str(case.year)] += 1
        counters["electronic_files"][str(electronic_files(case.kind, case.attachments))] += 1
        if case.kind == "case":
            case_themes.update(case.themes)
    facets = {name: dict(c) for name, c in counters.items()}
    return build(taxonomy, targets, facets, dict(case_themes), "files")


def _from_results(results: list[dict[str, Any]], searcher: Searcher, targets: Targets) -> Stats:
    every, cases = (r.get("facetDistribution", {}) for r in results)
    return build(searcher.taxonomy, targets, every, cases.get("themes", {}), "index")


def from_index(searcher: Searcher, targets: Targets) -> Stats:
    """The figures of the live index: two facet-only searches."""
    return _from_results([searcher.run("", p) for p in REQUESTS], searcher, targets)


async def afrom_index(searcher: Searcher, targets: Targets) -> Stats:
    """``from_index`` for async code: both searches sent together."""
    results = await asyncio.gather(*(searcher.arun("", p) for p in REQUESTS))
    return _from_results(list(results), searcher, targets)
