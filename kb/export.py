"""CSV for Excel: search results (``/api/search.csv``) and ``kb stats --format csv``.

UTF-8 with a byte-order mark, so Excel opens Japanese text correctly by double-click; a
header row; CRLF line ends (RFC 4180). A cell that would start with ``= + - @`` (or a tab
or carriage return) gets a leading ``'``, so a title can never run as a spreadsheet formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from kb.taxonomy import Taxonomy

BOM = "\ufeff"
MEDIA_TYPE = "text/csv; charset=utf-8"
_FORMULA = ("=", "+", "-", "@", "\t", "\r")
VISIBILITY_LABELS = {"public": "公開", "internal": "内部"}
# (header, hit field) of a search export, in column order
SEARCH_COLUMNS = [
    ("ID", "id"),
    ("タイトル", "title"),
    ("要約", "summary"),
    ("種別", "kind"),
    ("テーマ", "themes"),
    ("都道府県", "prefecture"),
    ("年度", "year"),
    ("組織名", "organization"),
    ("公開範囲", "visibility"),
    ("URL", "url"),
]


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The CSV text, BOM first."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_cell(h) for h in header])
    writer.writerows([_cell(v) for v in row] for row in rows)
    return out.getvalue()


def search_csv(hits: Iterable[dict[str, Any]], taxonomy: Taxonomy, case_url: str) -> str:
    """Search hits as CSV; labels (テーマ, 種別, 公開範囲) in Japanese; ``case_url`` is the
    case page's address with ``{id}`` for the case id."""

    def row(hit: dict[str, Any]) -> list[object]:
        values = {
            **hit,
            "kind": taxonomy.kinds.get(hit.get("kind", ""), hit.get("kind")),
            "themes": "、".join(taxonomy.theme_label(t) for t in hit.get("themes") or []),
            "visibility": VISIBILITY_LABELS.get(hit.get("visibility", ""), hit.get("visibility")),
            "url": case_url.format(id=hit["id"]),
        }
        return [values.get(key) for _, key in SEARCH_COLUMNS]

    return to_csv([h for h, _ in SEARCH_COLUMNS], (row(h) for h in hits))
