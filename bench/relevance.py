"""Relevance of kb against two plain-Meilisearch baselines on the same documents.

    python -m bench.relevance [CONTENT_DIR]
    python -m bench.relevance --strategies [CONTENT_DIR]

``--strategies`` compares kb's ranking with Meilisearch's own relaxation (``frequency`` and
``last``) on kb's index and query strings: recall@10 and trap hits per query type.

Indexes the sample content three ways on the bench Meilisearch: kb (Builder.rebuild),
(a) default settings with the raw title/summary/body text searchable, (b) the same with
``localizedAttributes`` = Japanese. Every query of bench/relevance/queries.yml runs on all
three; recall@10, nDCG@10 and trap hits are reported overall and per query type.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

import yaml

from bench.common import ROOT, drop_index, settings
from indexer.build import Builder
from indexer.documents import Analyzer
from kb import meili, meili_server
from kb.loader import load_cases
from kb.query import parse_query
from kb.search import Searcher, place_filter
from kb.taxonomy import load_taxonomy

QUERIES = Path(__file__).parent / "relevance" / "queries.yml"
RAW_FIELDS = ["title", "summary", "body_text"]
SYSTEMS = ("kb", "default", "jpn")


def load_queries(path: Path = QUERIES) -> list[dict[str, Any]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return list(data["queries"])


def scores(ranked: list[str], relevant: list[str], traps: list[str]) -> dict[str, float]:
    top = ranked[:10]
    rel = set(relevant)
    found = len(rel & set(top))
    dcg = sum(1 / math.log2(i + 2) for i, d in enumerate(top) if d in rel)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(rel), 10)))
    return {
        "recall": found / min(len(rel), 10) if rel else 1.0,
        "ndcg": dcg / ideal if ideal else 1.0,
        "traps": float(len(set(traps) & set(top))),
    }


def _baseline(
    client: Any, name: str, docs: list[dict[str, Any]], jpn: bool, timeout: float
) -> None:
    index = client.index(name)
    meili.wait_task(client, client.create_index(name, {"primaryKey": "id"}).task_uid, timeout)
    wanted: dict[str, Any] = {"searchableAttributes": RAW_FIELDS}
    if jpn:
        wanted["localizedAttributes"] = [{"attributePatterns": ["*"], "locales": ["jpn"]}]
    meili.wait_task(client, index.update_settings(wanted).task_uid, timeout)
    raw = [{k: d[k] for k in ("id", *RAW_FIELDS)} for d in docs]
    meili.wait_task(client, index.add_documents(raw).task_uid, timeout)


def evaluate(content: Path, queries: list[dict[str, Any]]) -> dict[str, Any]:
    s = settings(content, "bench-rel-kb")
    taxonomy = load_taxonomy(content)
    result = load_cases(content, taxonomy, max_bytes=s.max_file_bytes)
    analyzer = Analyzer.create(taxonomy)
    conn = meili_server.ensure(s)
    client = meili.client(conn, s.meili_timeout_s)
    Builder(s, conn, analyzer).rebuild(result.cases)
    docs = analyzer.documents(result.cases)
    known = {c.id for c in result.cases}
    for name, jpn in (("bench-rel-default", False), ("bench-rel-jpn", True)):
        drop_index(s, name)
        _baseline(client, name, docs, jpn, s.meili_timeout_s)
    searcher = Searcher(client, s.index_name, analyzer)

    def run(system: str, q: str) -> list[str]:
        if system == "kb":
            return [h["id"] for h in searcher.search(q, limit=10, facets=False)["hits"]]
        params: dict[str, Any] = {"limit": 10, "attributesToRetrieve": ["id"]}
        if system == "jpn":
            params["locales"] = ["jpn"]
        return [h["id"] for h in client.index(f"bench-rel-{system}").search(q, params)["hits"]]

    rows = []
    for item in queries:
        relevant = [i for i in item["relevant"] if i in known]
        traps = [i for i in item.get("traps", []) if i in known]
        row: dict[str, Any] = {"q": item["q"], "type": item["type"], "missing": [
            i for i in [*item["relevant"], *item.get("traps", [])] if i not in known
        ]}  # fmt: skip
        for system in SYSTEMS:
            ranked = run(system, item["q"])
            row[system] = {**scores(ranked, relevant, traps), "top": ranked}
        rows.append(row)
    return {"queries": rows, "summary": summarize(rows), "cases": len(known)}


def summarize(rows: list[dict[str, Any]]) -> dict[str, dict[str, dict[str, float]]]:
    """type (and "all") -> system -> mean recall, mean nDCG, total trap hits, query count."""
    groups: dict[str, list[dict[str, Any]]] = {"all": rows}
    for row in rows:
        groups.setdefault(row["type"], []).append(row)
    out: dict[str, dict[str, dict[str, float]]] = {}
    for name, items in groups.items():
        out[name] = {
            system: {
                "recall": sum(r[system]["recall"] for r in items) / len(items),
                "ndcg": sum(r[system]["ndcg"] for r in items) / len(items),
                "traps": sum(r[system]["traps"] for r in items),
                "n": len(items),
            }
            for system in SYSTEMS
        }
    return out


def strategies(content: Path, queries: list[dict[str, Any]]) -> dict[str, Any]:
    """type -> system (kb, frequency, last) -> (mean recall@10, trap hits), on the kb index
    that ``evaluate`` built."""
    s = settings(content, "bench-rel-kb")
    analyzer = Analyzer.create(load_taxonomy(content))
    client = meili.client(meili_server.ensure(s), s.meili_timeout_s)
    searcher = Searcher(client, s.index_name, analyzer)
    out: dict[str, dict[str, list[float]]] = {}
    for item in queries:
        query = parse_query(item["q"], analyzer)
        ranked = {
            "kb": [h["id"] for h in searcher.search(item["q"], limit=10, facets=False)["hits"]]
        }
        for strategy in ("frequency", "last"):
            params = {"limit": 10, "attributesToRetrieve": ["id"], "locales": ["jpn"],
                      "matchingStrategy": strategy, "filter": place_filter(query)}  # fmt: skip
            ranked[strategy] = [h["id"] for h in searcher.run(query.meili, params)["hits"]]
        for system, ids in ranked.items():
            sc = scores(ids, item["relevant"], item.get("traps", []))
            cell = out.setdefault(item["type"], {}).setdefault(system, [0.0, 0.0, 0.0])
            cell[0] += sc["recall"]
            cell[1] += sc["traps"]
            cell[2] += 1
    return {
        t: {k: {"recall": round(v[0] / v[2], 3), "traps": int(v[1])} for k, v in systems.items()}
        for t, systems in out.items()
    }


def main(argv: list[str]) -> int:
    compare = "--strategies" in argv
    argv = [a for a in argv if a != "--strategies"]
    content = Path(argv[0]) if argv else ROOT / "content"
    result = evaluate(content, load_queries())
    if compare:
        result = strategies(content, load_queries())
    print(json.dumps(result, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
