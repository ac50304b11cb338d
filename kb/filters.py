"""Search filters: ``FIELD=VALUE`` strings from a request -> a Meilisearch filter.

Filter values are parsed against the taxonomy and field lists: nothing a client sends is
passed raw into a Meilisearch filter. The same field given twice ORs its values, different
fields AND; ``year`` takes a year or a range (``2019..2023``, ``2019-``, full-width digits).
Public names and a few aliases map to document fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from kb.errors import QueryError
from kb.taxonomy import REGIONS, Taxonomy, Vocabulary

# filter name (the document field) -> the taxonomy vocabulary of its values, or None when
# the values are checked here (year, region, visibility) or free (tags)
FILTER_FIELDS = {
    "themes": "themes",
    "prefecture": "prefectures",
    "region": None,
    "industry": "industries",
    "organization_type": "organization_types",
    "programs": "programs",
    "kind": "kinds",
    "year": None,
    "visibility": None,
    "tags": None,
}
ALIASES = {"theme": "themes", "program": "programs", "tag": "tags", "pref": "prefecture"}
_YEAR = re.compile(r"^\s*(\d{4})?\s*(?:(\.\.|-|〜|~)\s*(\d{4})?)?\s*$")


@dataclass
class Filters:
    values: dict[str, list[str]] = field(default_factory=dict)
    year_range: tuple[int | None, int | None] | None = None

    def expression(self) -> list[str]:
        parts = []
        for name, values in self.values.items():
            ors = " OR ".join(f"{name} = {quote(v)}" for v in values)
            parts.append(f"({ors})")
        if self.year_range:
            lo, hi = self.year_range
            if lo is not None:
                parts.append(f"year >= {lo}")
            if hi is not None:
                parts.append(f"year <= {hi}")
        return parts

    def pairs(self) -> list[tuple[str, str]]:
        out = [(k, v) for k, vs in self.values.items() for v in vs]
        if self.year_range:
            lo, hi = self.year_range
            out.append(("year", f"{lo or ''}..{hi or ''}" if lo != hi else str(lo)))
        return out


def quote(value: str) -> str:
    """``value`` as a string in a Meilisearch filter expression."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse_filters(raw: list[str], taxonomy: Taxonomy) -> Filters:
    """``FIELD=VALUE`` strings -> Filters; same field ORs, different fields AND."""
    out = Filters()
    for item in raw:
        name, sep, value = item.partition("=")
        name = ALIASES.get(name.strip(), name.strip())
        value = value.strip()
        if not sep or name not in FILTER_FIELDS:
            raise QueryError(
                f"絞り込み {item!r} は使えません",
                field="filter",
                hint="FIELD=VALUE の形で、FIELD は " + ", ".join(FILTER_FIELDS),
            )
        if not value:
            raise QueryError(
                f"絞り込み {name} の値が空です", field=name, hint="値を指定してください"
            )
        if name == "year":
            out.year_range = _year(value, out.year_range)
            continue
        canonical = _canonical(name, value, taxonomy)
        bucket = out.values.setdefault(name, [])
        if canonical not in bucket:
            bucket.append(canonical)
    return out


def _year(value: str, current: Any) -> tuple[int | None, int | None]:
    m = _YEAR.match(value.translate(str.maketrans("０１２３４５６７８９", "0123456789")))
    if not m or not (m.group(1) or m.group(3)):
        raise QueryError(
            f"年度 {value!r} を読めません",
            field="year",
            hint="2023 または 2019..2023 の形で指定してください",
        )
    lo = int(m.group(1)) if m.group(1) else None
    hi = int(m.group(3)) if m.group(3) else (lo if not m.group(2) else None)
    if current:  # a second year filter widens the range
        lo = min(x for x in (lo, current[0]) if x is not None) if lo and current[0] else None
        hi = max(x for x in (hi, current[1]) if x is not None) if hi and current[1] else None
    return (lo, hi)


def _canonical(name: str, value: str, taxonomy: Taxonomy) -> str:
    vocab_name = FILTER_FIELDS[name]
    if name == "tags":
        return value[:100]
    if name == "themes":
        key = taxonomy.theme_for(value)
        if key:
            return key
    if name == "visibility":
        vocab = Vocabulary("visibility", ["public", "internal"])
    elif name == "region":
        vocab = Vocabulary("region", list(REGIONS))
    else:
        assert vocab_name is not None
        vocab = taxonomy.vocab[vocab_name]
    canonical = vocab.canonical(value)
    if canonical is None:
        guess = vocab.suggest(value)
        raise QueryError(
            f"{name} に {value!r} という値はありません"
            + (f"。もしかして「{'」「'.join(guess)}」?" if guess else ""),
            field=name,
            hint="使える値: " + "、".join(vocab.values),
        )
    return canonical
