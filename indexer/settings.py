"""The index settings, as data in one place, applied idempotently by ``indexer.build``."""

from __future__ import annotations

from typing import Any

# Searchable, in ranking order (the "attribute" rule prefers earlier fields).
SEARCHABLE = [
    "title_n", "tags_n", "summary_n", "body_n", "org_n", "meta_n", "reading", "body_reading",
    "attach_n",
]  # fmt: skip
# What a public search looks in: attachments are not published with their cases.
PUBLIC_SEARCHABLE = [f for f in SEARCHABLE if f != "attach_n"]

# Fields a filter may name; kb.search checks every value against the taxonomy.
FILTERABLE = [
    "id",  # for deletes by filter; kb.search never lets a request filter on it
    "themes",
    "prefecture",
    "region",
    "industry",
    "organization_type",
    "programs",
    "kind",
    "year",
    "visibility",
    "tags",
    "featured",
    "electronic_files",  # counted by kb.stats (a facet); kb.filters never accepts it
    "withheld",  # public cases held back for personal data (kb.publishing), for `kb index`
]

# The most hits any search reaches, so the most rows a CSV export holds. 5,000 is the plan's
# whole collection (2,000 files, 200 Q&A and the cases) with room to spare; Meilisearch ranks
# up to this many matching documents per query, so raising it slows every broad search on a
# large collection (Meilisearch's performance guide), for an export beyond the plan.
MAX_TOTAL_HITS = 5000

FACETS = ["themes", "prefecture", "industry", "organization_type", "programs", "kind", "year"]

SORTABLE = ["year", "published", "featured"]

INDEX_SETTINGS: dict[str, Any] = {
    "searchableAttributes": SEARCHABLE,
    "filterableAttributes": FILTERABLE,
    "sortableAttributes": SORTABLE,
    "displayedAttributes": ["*"],
    # The normalized fields hold Japanese terms separated by spaces: tell
    # Meilisearch so it does not treat kanji-only text as Chinese.
    "localizedAttributes": [{"attributePatterns": ["*_n"], "locales": ["jpn"]}],
    # "sort" right after "words": an explicit sort (newest) orders every result that has
    # all the words; without a sort parameter the rule does nothing.
    "rankingRules": ["words", "sort", "typo", "proximity", "attribute", "exactness"],
    # Synonyms are applied by kb.thesaurus as concept tokens in documents and
    # queries (multi-word Japanese synonyms must also work inside phrases);
    # Meilisearch's own list stays empty so the two can never disagree.
    "synonyms": {},
    "stopWords": [],
    # Japanese terms are short (2-4 characters); a typo there changes the word.
    # Only long words (katakana loanwords, romaji, English) get typo tolerance,
    # and never numbers (years, amounts).
    "typoTolerance": {
        "enabled": True,
        "minWordSizeForTypos": {"oneTypo": 6, "twoTypos": 10},
        "disableOnNumbers": True,
        # kana readings as romaji keys (kb.reading): one letter off is another word
        "disableOnAttributes": ["body_reading", "reading"],  # sorted, as Meilisearch answers
        "disableOnWords": [],
    },
    "faceting": {"maxValuesPerFacet": 200, "sortFacetValuesBy": {"*": "count"}},
    "pagination": {"maxTotalHits": MAX_TOTAL_HITS},
    "proximityPrecision": "byWord",
    # kb never calls /facet-search (facet counts come with each search): without its
    # databases a one-document update has less to rewrite.
    "facetSearch": False,
}

# Fields every search returns (the other *_n fields stay on the server).
RETRIEVE = [
    "id",
    "title",
    "summary",
    "kind",
    "themes",
    "prefecture",
    "region",
    "industry",
    "organization",
    "organization_type",
    "programs",
    "tags",
    "year",
    "published",
    "visibility",
    "summary_n",  # one normalized line per summary sentence and where its terms stand:
    "summary_marks",  # the snippet when no body sentence matches
    "has_attach_text",  # whether ATTACHMENT may be asked for (a hit not matched in its body)
]

# What a snippet is cut from, returned only for a search with words (five sixths of the
# bytes of a 20-hit answer); a search without words shows each hit's summary.
BODY = [
    "body_text",
    "body_n",  # one normalized line per sentence: picks the snippet sentence
    "body_marks",  # where each of those terms stands in body_text: the highlight
]


# The attachments' text and where its words stand, asked for (one more request) only for
# the hits of a search with words whose body has none of them.
ATTACHMENT = ["attach_text", "attach_n", "attach_marks", "attach_pages"]


_UNORDERED = frozenset({"sortableAttributes", "filterableAttributes", "stopWords"})


def differs(current: dict[str, Any], wanted: dict[str, Any] = INDEX_SETTINGS) -> dict[str, Any]:
    """The part of ``wanted`` that ``current`` does not already have."""
    out = {}
    for key, value in wanted.items():
        have = current.get(key)
        if key in _UNORDERED and isinstance(have, list):
            # Meilisearch returns these sorted; their order carries no meaning
            if sorted(map(str, have)) != sorted(map(str, value)):
                out[key] = value
        elif isinstance(value, dict) and isinstance(have, dict):
            if any(have.get(k) != v for k, v in value.items()):
                out[key] = value
        elif have != value:
            out[key] = value
    return out
