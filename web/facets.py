"""The search page's state and facet panel: URL parameters, chips and facet groups with counts.

Every link on the page is built from one ``SearchState`` so URLs stay canonical
(``q``, repeated ``filter=FIELD=VALUE``, ``sort``, ``page``) and shareable.
Counts inside a field that already has a filter are "disjunctive": they come from
the same search without that field's filter, because values of one field OR together.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from kb.search import MAX_OFFSET
from kb.taxonomy import REGIONS, Taxonomy

PAGE_SIZE = 20
MAX_PAGE = MAX_OFFSET // PAGE_SIZE

# facet field -> Japanese label, in the order the panel shows them
FACET_LABELS = {
    "themes": "テーマ",
    "kind": "種別",
    "prefecture": "都道府県",
    "industry": "業種",
    "organization_type": "組織形態",
    "programs": "支援施策",
    "year": "年度",
}
FIELD_LABELS = {**FACET_LABELS, "region": "地域", "tags": "タグ", "visibility": "公開範囲"}
SORT_LABELS = {"relevance": "関連度順", "newest": "新しい順", "oldest": "古い順"}
_OPEN = {"themes", "kind", "industry", "organization_type"}  # groups shown unfolded by default


@dataclass(frozen=True)
class SearchState:
    q: str = ""
    filters: tuple[tuple[str, str], ...] = ()
    sort: str = "relevance"
    page: int = 1

    def raw_filters(self) -> list[str]:
        return [f"{k}={v}" for k, v in self.filters]

    def params(self) -> list[tuple[str, str]]:
        out = [("q", self.q)] if self.q else []
        out += [("filter", f) for f in self.raw_filters()]
        if self.sort != "relevance":
            out.append(("sort", self.sort))
        if self.page > 1:
            out.append(("page", str(self.page)))
        return out

    def url(self, path: str = "/") -> str:
        params = self.params()
        return f"{path}?{urlencode(params)}" if params else path

    def with_filters(self, filters: list[tuple[str, str]]) -> SearchState:
        return replace(self, filters=tuple(filters), page=1)

    def active(self, name: str, value: str) -> bool:
        return (name, value) in self.filters

    def toggle(self, name: str, value: str) -> str:
        if self.active(name, value):
            return self.without(name, value)
        return self.with_filters([*self.filters, (name, value)]).url()

    def without(self, name: str, value: str | None = None) -> str:
        kept = [(k, v) for k, v in self.filters if k != name or (value is not None and v != value)]
        return self.with_filters(kept).url()

    def fields(self) -> set[str]:
        return {k for k, _ in self.filters}


def with_year_range(filters: list[str], lo: str, hi: str) -> list[str]:
    """The filter list with its year filter replaced by ``lo..hi`` (removed when both are empty)."""
    kept = [f for f in filters if f.partition("=")[0].strip() != "year"]
    lo, hi = lo.strip(), hi.strip()
    if lo and hi and lo > hi:
        lo, hi = hi, lo
    if lo or hi:
        kept.append(f"year={lo}..{hi}" if lo != hi else f"year={lo}")
    return kept


@dataclass
class FacetValue:
    value: str
    label: str
    count: int
    active: bool
    url: str


@dataclass
class FacetGroup:
    name: str
    label: str
    values: list[FacetValue] = field(default_factory=list)
    regions: list[tuple[str, list[FacetValue]]] = field(default_factory=list)
    open: bool = False
    years: list[int] = field(default_factory=list)  # for the year range form
    year_range: tuple[str, str] = ("", "")


def value_label(taxonomy: Taxonomy, name: str, value: str) -> str:
    if name == "themes":
        return taxonomy.theme_label(value)
    if name == "kind":
        return taxonomy.kinds.get(value, value)
    if name == "year":
        lo, sep, hi = value.partition("..")
        if not sep:
            return f"{value}年度"
        return f"{lo or ''}〜{hi or ''}年度"
    if name == "visibility":
        return {"public": "公開", "internal": "内部"}.get(value, value)
    return value


@dataclass
class Chip:
    label: str
    url: str


def chips(state: SearchState, taxonomy: Taxonomy) -> list[Chip]:
    return [
        Chip(f"{FIELD_LABELS.get(k, k)}: {value_label(taxonomy, k, v)}", state.without(k, v))
        for k, v in state.filters
    ]


def facet_groups(
    state: SearchState,
    result: dict[str, Any],
    disjunctive: dict[str, dict[str, int]],
    taxonomy: Taxonomy,
) -> list[FacetGroup]:
    """The facet panel: one group per facet field, values with counts, active ones first."""
    groups = []
    for name, label in FACET_LABELS.items():
        counts = disjunctive.get(name, result["facets"].get(name, {}))
        group = FacetGroup(name, label, open=name in _OPEN or name in state.fields())
        if name == "year":
            group.years = sorted(int(y) for y in counts)
            current = next((v for k, v in state.filters if k == "year"), "")
            lo, sep, hi = current.partition("..")
            group.year_range = (lo, hi if sep else lo)
            group.open = True
        else:
            group.values = _values(state, taxonomy, name, counts)
            if name == "prefecture":
                group.regions = _by_region(taxonomy, group.values)
        if group.values or group.years:
            groups.append(group)
    return groups


def _values(
    state: SearchState, taxonomy: Taxonomy, name: str, counts: dict[str, int]
) -> list[FacetValue]:
    values = [
        FacetValue(
            v, value_label(taxonomy, name, v), n, state.active(name, v), state.toggle(name, v)
        )
        for v, n in counts.items()
        if n > 0 or state.active(name, v)
    ]
    for k, v in state.filters:  # an active value without results still shows, to be removed
        if k == name and v not in counts:
            values.append(
                FacetValue(v, value_label(taxonomy, name, v), 0, True, state.toggle(k, v))
            )
    values.sort(key=lambda fv: (not fv.active, -fv.count, fv.label))
    return values


def _by_region(taxonomy: Taxonomy, values: list[FacetValue]) -> list[tuple[str, list[FacetValue]]]:
    order = {name: i for i, name in enumerate(taxonomy.prefectures)}
    out = []
    for region in REGIONS:
        members = [v for v in values if taxonomy.region_of(v.value) == region]
        members.sort(key=lambda fv: order.get(fv.value, 999))
        if members:
            out.append((region, members))
    return out


@dataclass
class Pager:
    page: int
    last: int
    prev_url: str | None
    next_url: str | None
    pages: list[tuple[int | None, str]]  # (number, url); None marks a gap


def pager(state: SearchState, total: int) -> Pager:
    last = max(1, min(MAX_PAGE, -(-total // PAGE_SIZE)))

    def url(n: int) -> str:
        return replace(state, page=n).url()

    shown = sorted({1, last, *range(max(1, state.page - 2), min(last, state.page + 2) + 1)})
    pages: list[tuple[int | None, str]] = []
    for i, n in enumerate(shown):
        if i and n - shown[i - 1] > 1:
            pages.append((None, ""))
        pages.append((n, url(n)))
    return Pager(
        page=state.page,
        last=last,
        prev_url=url(state.page - 1) if state.page > 1 else None,
        next_url=url(state.page + 1) if state.page < last else None,
        pages=pages,
    )
