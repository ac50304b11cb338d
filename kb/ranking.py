"""Ranked results beyond "every word": what a search shows when the cases with all its
words do not fill the page.

One federated Meilisearch search (``/multi-search`` with ``federation``) ranks them. Its
queries: every word (weight 1), unless kb.search already has those cases and asks only for
the others; the place words of the query as words, without the place filter, for cases
naming the place in their text (0.95); and for the *partial* tail, each subset of the words
found somewhere, weighted by the share of the words' weights it carries (below 0.9). A word
weighs log(1 + N/df), so rare words count more than 組合 or 支援; the document frequencies
come from one batch of counting searches (``limit: 0``, kept a while: kb.word_counts), under the
user's filters but not the place words (a word is "missing" only if no case has it).
Federation keeps each case once, at its best weighted score, so a case lands in the tier of
the most words it has, and the hit says which query found it: the words it lacks. A plan of
one query is sent as a plain search (kb.search; same hits, order and facets), and place tiers
that find nothing (counted with the words) are left out.

A subset must carry TAIL_SHARE of the weight of the two heaviest words (one strong word of
a sentence is enough, 組合員 alone is not); words of one character never stand alone.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

from kb.query import MAX_EXPANSIONS, Query, Term

TAIL_SHARE = 0.4
MAX_SUBSET_WORDS = 5  # the heaviest words the partial subsets are made of
MAX_QUERIES = 16  # federated queries at most


@dataclass
class Plan:
    """The federated queries (q, filter, weight) and, per query, the words it lacks."""

    queries: list[tuple[str, list[str], float]] = field(default_factory=list)
    lacking: list[list[str]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # words found in no case


def label(group: tuple[Term, ...]) -> str:
    return " / ".join(t.label or t.key for t in group)


def tail_groups(query: Query) -> list[tuple[Term, ...]]:
    """The groups a partial match may be made of (single-character words left out)."""
    return [g for g in query.groups if any(t.meaningful for t in g)]


def count_requests(query: Query, where: list[str]) -> list[tuple[str, list[str]]]:
    """(q, filter) of the counting searches: each alternative of each tail group, then all."""
    tail = _excluded(query)
    out = [(f"{t.meili()}{tail}", where) for g in tail_groups(query) for t in g]
    return [*out, ("", where)]


def plan(
    query: Query,
    where: list[str],
    place_text: Query | None,
    unfiltered: list[str],
    counts: list[int] | None,
    full: int = 1,
    place_hits: list[int] | None = None,
) -> Plan:
    """The federated queries for ``query``; ``counts`` are the answers to count_requests (None
    when only the place tier is wanted), ``full`` how many cases have every word (none: that
    query is not asked again), ``place_hits`` how many cases each of ``place_text``'s
    expansions finds (a query that finds nothing is left out)."""
    out = Plan()
    tail = _excluded(query)
    for e in query.expansions() if full else ():
        out.queries.append((e, where, 1.0))
        out.lacking.append([])
    if place_text is not None:
        for i, e in enumerate(place_text.expansions()):
            if place_hits is not None and not place_hits[i]:
                continue
            out.queries.append((e, unfiltered, 0.95))
            out.lacking.append([])
    if counts is None:
        return out
    groups = tail_groups(query)
    n = max(counts[-1], 1)
    weights: list[float] = []
    k = 0
    for g in groups:
        df = max(counts[k : k + len(g)], default=0)
        k += len(g)
        weights.append(math.log(1 + n / df) if df else 0.0)
    out.missing = [label(g) for g, w in zip(groups, weights, strict=True) if not w]
    present = sorted((i for i, w in enumerate(weights) if w), key=lambda i: -weights[i])
    if not present:
        return out
    top = sum(sorted(weights)[-2:])
    heavy = present[:MAX_SUBSET_WORDS]
    total = sum(weights[i] for i in heavy)
    # all of them, all but one, pairs (up to four words) and each alone: a case lands in the
    # tier of the most words it has among these
    sizes = {len(heavy), len(heavy) - 1, 1} | ({2} if len(heavy) <= 4 else set())
    subsets = [
        s
        for size in sorted((n for n in sizes if n > 0), reverse=True)
        for s in itertools.combinations(sorted(heavy), size)
        if sum(weights[i] for i in s) >= TAIL_SHARE * top
    ]
    subsets.sort(key=lambda s: -sum(weights[i] for i in s))
    labels = [label(g) for g in groups]
    for s in subsets:
        if len(s) == len(groups) == len(query.groups):
            continue  # every word: asked above
        share = sum(weights[i] for i in s) / total
        weight = 0.9 * share
        lacking = [labels[i] for i in range(len(groups)) if i not in s]
        choices = itertools.islice(itertools.product(*(groups[i] for i in s)), MAX_EXPANSIONS)
        for choice in choices:
            if len(out.queries) >= MAX_QUERIES:
                return out
            q = " ".join(dict.fromkeys(t.meili() for t in choice)) + tail
            out.queries.append((q, where, weight))
            out.lacking.append(lacking)
    return out


def _excluded(query: Query) -> str:
    return "".join(f" -{t.meili()}" for t in query.excluded)


def federated(
    index: str, p: Plan, params: dict[str, Any], facets: list[str] | None
) -> dict[str, Any]:
    """The ``/multi-search`` body of a plan: the page (offset, limit) and merged facets."""
    federation: dict[str, Any] = {"offset": params["offset"], "limit": params["limit"]}
    if facets:
        federation |= {"facetsByIndex": {index: facets}, "mergeFacets": {}}
    shared = {k: params[k] for k in ("attributesToRetrieve", "locales", "matchingStrategy")}
    for key in ("sort", "attributesToSearchOn"):  # the public side never searches attachments
        if params.get(key):
            shared[key] = params[key]
    queries = [
        {"indexUid": index, "q": q, "filter": where, **shared,
         "federationOptions": {"weight": weight}}
        for q, where, weight in p.queries
    ]  # fmt: skip
    return {"federation": federation, "queries": queries}


def union(index: str, queries: list[str], params: dict[str, Any]) -> dict[str, Any]:
    """The ``/multi-search`` body that counts the cases any of ``queries`` finds (an OR
    query's every-word cases: the union of its alternatives) under ``params``: a federated
    search of one tier at ``limit`` 0."""
    tier = Plan(queries=[(q, params["filter"], 1.0) for q in queries])
    return federated(index, tier, {**params, "offset": 0, "limit": 0}, None)


def counting(
    index: str, requests: list[tuple[str, list[str]]], search_on: list[str] | None = None
) -> dict[str, Any]:
    """The ``/multi-search`` body of count_requests (hit counts only), searching
    ``search_on`` when given (the public side's fields)."""
    shared: dict[str, Any] = {"limit": 0, "locales": ["jpn"], "matchingStrategy": "all"}
    if search_on:
        shared["attributesToSearchOn"] = search_on
    return {
        "queries": [{"indexUid": index, "q": q, "filter": where, **shared} for q, where in requests]
    }
