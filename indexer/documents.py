"""Case -> Meilisearch document.

Each searchable field is stored twice: the original (shown to people, used for
snippets) and ``<field>_n``, its terms from ``kb.normalize`` one sentence per
line, each line followed by the concept tokens of the synonyms it contains.
Line *i* of ``body_n`` is sentence *i* of ``body_text``, which is how the snippet
sentence is chosen on normalized terms; ``body_marks`` (and ``summary_marks``) say where
each term stands in the original, so it is highlighted there without a second analysis.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

from kb import normalize
from kb.attachments import AttachmentTexts
from kb.case import Case
from kb.normalize import Normalizer, Unit, sentences
from kb.places import Places
from kb.publishing import WITHHELD, reasons
from kb.reading import reading_key, reading_tokens, rendaku_keys
from kb.render import strip_comments, to_text
from kb.stats import electronic_files
from kb.taxonomy import Taxonomy
from kb.thesaurus import Thesaurus, build_thesaurus, theme_concepts

DOC_VERSION = "9"  # bump when the document shape changes


class HasDigest(Protocol):
    @property
    def digest(self) -> str: ...

    @property
    def source(self) -> str: ...

    @property
    def attachments(self) -> list[str] | tuple[str, ...]: ...


@dataclass
class Analyzer:
    """Everything needed to turn text into indexed terms, built once per process."""

    taxonomy: Taxonomy
    normalizer: Normalizer
    thesaurus: Thesaurus
    theme_concept: dict[str, str]
    fingerprint: str
    # reads the attachments' text (kb index); None: attachments are not searched (queries)
    attachments: AttachmentTexts | None = None

    @classmethod
    def create(
        cls,
        taxonomy: Taxonomy,
        normalizer: Normalizer | None = None,
        attachments: AttachmentTexts | None = None,
    ) -> Analyzer:
        normalizer = normalizer or normalize.get_normalizer()
        thesaurus = build_thesaurus(taxonomy, normalizer)
        fingerprint = "/".join((normalize.VERSION, DOC_VERSION, thesaurus.digest, taxonomy.digest))
        return cls(
            taxonomy,
            normalizer,
            thesaurus,
            theme_concepts(taxonomy, thesaurus, normalizer),
            fingerprint,
            attachments,
        )

    @cached_property
    def places(self) -> Places:
        """Region and prefecture names a query may use as filters."""
        return Places(self.taxonomy)

    @cached_property
    def stop_terms(self) -> frozenset[tuple[str, ...]]:
        """The taxonomy's stop words, each as its tuple of terms (what a query drops)."""
        return frozenset(tuple(self.normalizer.terms(w)) for w in self.taxonomy.stopwords)

    @cached_property
    def vocabulary_readings(self) -> dict[str, str]:
        """Reading key (kb.reading) -> the taxonomy's word read so: theme labels and their
        synonyms, the synonym groups, the broader and narrower terms and the controlled
        vocabularies. A query word typed in kana that reads as one of them is searched as that
        word, synonyms and broader terms included (がいこくじんざい = 外国人材, which finds
        技能実習生 cases), which a reading alone cannot do. The first word of a reading wins."""
        out: dict[str, str] = {}
        for name in self.taxonomy.names(narrower=True):
            for key in rendaku_keys(self.normalizer.readings(name)):
                if len(key) >= 4:  # as long as a kana query word that is read (kb.reading)
                    out.setdefault(key, name)
        return out

    def line(self, text: str) -> str:
        """One sentence as its terms followed by its concept tokens."""
        return self._line(self.normalizer.units(text))

    def _line(self, units: list[Unit]) -> str:
        terms = [t.term for u in units for t in u.tokens]
        concepts = dict.fromkeys(m.concept for m in self.thesaurus.document_matches(units))
        return " ".join([*terms, *concepts])

    def field_and_marks(self, text: str) -> tuple[str, str]:
        """A whole text as one normalized line per sentence (empty lines kept for alignment),
        and line for line where its sentence and terms stand in ``text``.

        The text is analysed in one pass; each word goes to the sentence it starts in. A marks
        line is ``a,b`` (the sentence), then ``s,e`` for each term of the normalized line, then
        for each concept token ``s,e;s,e…`` (every place one of its synonyms stands): the
        snippet highlights a hit's sentence from these offsets, without analysing it again.
        """
        spans = sentences(text)
        if not spans:
            return "", ""
        starts = [a for a, _ in spans]
        buckets: list[list[Unit]] = [[] for _ in spans]
        for unit in self.normalizer.units(text):
            buckets[max(0, bisect_right(starts, unit.start) - 1)].append(unit)
        lines, marks = [], []
        for (a, b), units in zip(spans, buckets, strict=True):
            tokens = [t for u in units for t in u.tokens]
            places: dict[str, list[str]] = {}
            for m in self.thesaurus.document_matches(units):
                places.setdefault(m.concept, []).append(
                    f"{tokens[m.first].start},{tokens[m.last - 1].end}"
                )
            lines.append(" ".join([*(t.term for t in tokens), *places]))
            marks.append(
                " ".join(
                    [f"{a},{b}", *(f"{t.start},{t.end}" for t in tokens)]
                    + [";".join(p) for p in places.values()]
                )
            )
        return "\n".join(lines), "\n".join(marks)

    def reading(self, texts: Iterable[str]) -> str:
        """The reading keys (kb.reading) of ``texts``, one line per sentence: each word's and
        each run of two or three neighbouring words', so じぎょうしょうけい finds 事業承継."""
        lines = []
        for text in texts:
            for a, b in sentences(text):
                tokens = reading_tokens(self.normalizer.readings(text[a:b]))
                if tokens:
                    lines.append(" ".join(dict.fromkeys(tokens)))
        return "\n".join(lines)

    def body_reading(self, text: str) -> str:
        """The reading key of each content word of the body, in order, one line per sentence
        (こうけいしゃ finds 後継者 named in the body only). No runs of words, unlike
        ``reading``: Meilisearch splits a query word in two where two neighbouring keys
        meet (じぎょうしょうけい = 事業 承継), and a compound Sudachi knows as one word has
        one key (技能実習生), so the field stays a fifth of what runs would make it."""
        lines = []
        for a, b in sentences(text):
            keys = [k for r in self.normalizer.readings(text[a:b]) if (k := reading_key(r))]
            if keys:
                lines.append(" ".join(keys))
        return "\n".join(lines)

    def doc_hash(self, case: Case | HasDigest) -> str:
        """The hash a document is stored with: the file's digest under this analyzer (a
        cached case needs no unpickling for it)."""
        key = f"{self.fingerprint}\n{case.digest}"
        if self.attachments is not None and case.attachments:
            # an attachment changed without its case file: the document is sent again
            key += "\n" + "\n".join(self.attachments.digests(case.source, case.attachments))
        return hashlib.sha256(key.encode()).hexdigest()[:32]

    def attachment_fields(self, case: Case) -> dict[str, Any]:
        """The text of the case's attachments as searchable fields: ``attach_text`` (every
        page, one after the other), ``attach_n``/``attach_marks`` (as for the body) and
        ``attach_pages``: ``[offset, file, page]`` where each page starts in ``attach_text``
        (page 0: the file has no pages), which the snippet names."""
        texts = self.attachments.of_case(case.source, case.attachments) if self.attachments else []
        parts: list[str] = []
        pages: list[list[Any]] = []
        offset = 0
        for att in texts:
            for n, page in enumerate(att.pages, start=1):
                if not page.strip():
                    continue
                pages.append([offset, att.rel, n if att.unit else 0, att.unit])
                parts.append(page)
                offset += len(page) + 1
        text = "\n".join(parts)
        attach_n, attach_marks = self.field_and_marks(text)
        return {
            "attach_text": text,
            "attach_n": attach_n,
            "attach_marks": attach_marks,
            "attach_pages": pages,
            "has_attach_text": bool(text),
        }

    def document(self, case: Case) -> dict[str, Any]:
        """The document of ``case``; a public case with personal data is stored as internal,
        its findings under ``withheld`` (kb.publishing)."""
        tax = self.taxonomy
        withheld = reasons(case)
        body = strip_comments(case.body)
        body_text = to_text(body)
        meta_values = [
            *(tax.theme_label(t) for t in case.themes),
            case.prefecture,
            case.industry or "",
            case.organization_type or "",
            *case.programs,
            tax.kinds.get(case.kind, case.kind),
        ]
        body_n, body_marks = self.field_and_marks(body_text)
        summary_n, summary_marks = self.field_and_marks(case.summary)
        meta_n = "\n".join(self.line(v) for v in meta_values if v)
        theme_tokens = " ".join(
            self.theme_concept[t] for t in case.themes if t in self.theme_concept
        )
        return {
            "id": case.id,
            "title": case.title,
            "summary": case.summary,
            "kind": case.kind,
            "themes": case.themes,
            "prefecture": case.prefecture,
            "region": tax.region_of(case.prefecture),
            "industry": case.industry,
            "organization": case.organization,
            "organization_type": case.organization_type,
            "programs": case.programs,
            "tags": case.tags,
            "year": case.year,
            "published": case.published.isoformat() if case.published else None,
            "visibility": "internal" if withheld else case.visibility,
            WITHHELD: withheld,
            "attachments": case.attachments,
            "electronic_files": electronic_files(case.kind, case.attachments),
            "featured": case.featured,
            "source": case.source,
            "body": body,
            "body_text": body_text,
            "title_n": self.line(case.title),
            "tags_n": "\n".join(self.line(t) for t in case.tags),
            "summary_n": summary_n,
            "summary_marks": summary_marks,
            "body_n": body_n,
            "body_marks": body_marks,
            "org_n": self.line(case.organization or ""),
            "reading": self.reading([case.title, *case.tags, case.summary, *_headings(body)]),
            "body_reading": self.body_reading(body_text),
            "meta_n": f"{meta_n}\n{theme_tokens}",
            "hash": self.doc_hash(case),
            **self.attachment_fields(case),
        }

    def documents(self, cases: Iterable[Case]) -> list[dict[str, Any]]:
        return [self.document(c) for c in cases]


def _headings(markdown: str) -> list[str]:
    """The Markdown headings of a body (``## 背景``), without their marks."""
    return [
        line.lstrip("#").strip()
        for line in markdown.splitlines()
        if line.startswith("#") and line.lstrip("#").startswith(" ")
    ]
