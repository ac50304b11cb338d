"""The 収集状況 page's charts as data: bar lengths, tile shades and the search each one opens.

Templates draw them as inline SVG and HTML (no script); every figure is also written as
text beside its bar, so the numbers do not depend on seeing the graphics.
"""

from __future__ import annotations

from dataclasses import dataclass

from kb.stats import Count, Progress, Stats
from web.facets import SearchState

LEVELS = 4  # tile shades beyond "none"


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    width: str  # the bar's length as an SVG percentage ("42.5%")
    url: str  # the search listing these entries

    @property
    def title(self) -> str:
        return f"{self.label}: {self.count:,} 件"


@dataclass(frozen=True)
class Goal:
    label: str
    count: int
    target: int
    percent: str  # "62.5"
    width: str  # the bar, at most full
    reached: bool

    @property
    def title(self) -> str:
        return f"{self.label}: {self.count:,} / {self.target:,} 件（{self.percent}%）"


@dataclass(frozen=True)
class Tile:
    name: str
    count: int
    level: int  # 0 (none) … LEVELS
    url: str


def _pct(part: float, whole: float) -> str:
    return f"{min(100.0, 100.0 * part / whole) if whole else 0.0:.1f}%"


def bars(rows: list[Count], field: str) -> list[Bar]:
    """One bar per row, the longest filling the chart."""
    top = max((r.count for r in rows), default=0)
    return [
        Bar(r.label, r.count, _pct(r.count, top), SearchState(filters=((field, r.key),)).url())
        for r in rows
    ]


def goals(progress: list[Progress]) -> list[Goal]:
    return [
        Goal(
            p.label,
            p.count,
            p.target,
            p.shown_percent,
            _pct(p.count, p.target),
            p.count >= p.target,
        )
        for p in progress
    ]


def tiles(rows: list[Count]) -> list[tuple[str, list[Tile]]]:
    """Prefectures grouped by region, in taxonomy order, shaded by count."""
    top = max((r.count for r in rows), default=0)
    out: dict[str, list[Tile]] = {}
    for r in rows:
        level = 0 if not r.count else max(1, -(-r.count * LEVELS // top))
        url = SearchState(filters=(("prefecture", r.key),)).url()
        out.setdefault(r.group, []).append(Tile(r.label, r.count, level, url))
    return list(out.items())


def charts(stats: Stats) -> dict[str, object]:
    """Everything the page's template draws."""
    return {
        "goals": goals(stats.progress),
        "kinds": bars(stats.kinds, "kind"),
        "themes": bars(stats.themes, "themes"),
        "regions": bars(stats.regions, "region"),
        "prefectures": tiles(stats.prefectures),
        "years": bars(stats.years, "year"),
    }
