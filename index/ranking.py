"""Running a query plan on a Whoosh searcher and ranking the rules it finds.

Whoosh gathers candidates with one flat OR over every stem of every alternative. Each candidate is
then scored per concept, BM25-style: a concept counts once, by its best alternative (the word itself,
a glossary synonym, a typo fix, a related word), in the rule text and, less, in the titles. The sum
is multiplied by the square of the idf-weighted share of concepts found (rules that hold everything
asked win), a bonus when those words stand close together, and a factor that lets rules win over
phrases and intro paragraphs.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from whoosh import query as wq
from whoosh import scoring
from whoosh.searching import Searcher

from index.documents import RULE
from index.query import Alternative, Concept, QueryPlan

TITLE_BOOST = 0.35
CANDIDATES = 60
COVERAGE_POWER = 2.0
PROXIMITY_BONUS = 0.5
K1, B = 1.2, 0.75
COMMON_SHARE, COMMON_MIN_DOCS = 0.02, 200
KIND_FACTOR = {RULE: 1.0}
OTHER_KIND_FACTOR = 0.55


@dataclass(frozen=True)
class Scored:
    fields: dict
    score: float


@dataclass(frozen=True)
class DocStems:
    """A document's stems, parsed once per searcher: text in order, term counts, title stems."""

    seq: tuple[str, ...]
    tf: Counter
    title: frozenset[str]

    @classmethod
    def of(cls, fields: dict) -> DocStems:
        seq = tuple(fields.get("stems", "").split())
        return cls(seq, Counter(seq), frozenset(fields.get("title_stems", "").split()))


@dataclass(frozen=True)
class Stats:
    """Collection statistics for one query: idf per stem, average text length, concept weights."""

    idf: dict[str, float]
    avgdl: float
    weights: list[float]
    dfs: dict[str, int]
    n: int


class CachedLengthBM25F(scoring.BM25F):
    """Whoosh's BM25F with each segment's field lengths read once into a list per searcher.

    Whoosh looks a document's field length up in its column file for every match it scores (15% of
    the query time at 100k rules); the scores are the same.
    """

    def scorer(self, searcher, fieldname, text, qf=1):
        scorer = super().scorer(searcher, fieldname, text, qf)
        if isinstance(scorer, scoring.BM25FScorer):
            scorer.dfl = field_lengths(searcher.reader(), fieldname).__getitem__
        return scorer


def field_lengths(reader, fieldname: str) -> list[int]:
    """Every document's length in ``fieldname`` (as Whoosh scores it), cached on the reader."""
    cache = reader.__dict__.setdefault("_kb_field_lengths", {})
    if fieldname not in cache:
        dfl = reader.doc_field_length
        cache[fieldname] = [dfl(d, fieldname, 1) for d in range(reader.doc_count_all())]
    return cache[fieldname]


def plan_query(plan: QueryPlan, dfs: dict[str, int] | None = None, n_docs: int = 0) -> wq.Query:
    """The Whoosh query gathering candidates: one flat OR of the stems of the chosen concepts.

    On a large index a concept whose every form is in more than ``COMMON_SHARE`` of the documents
    is left out of it while rarer concepts remain (it would make Whoosh visit most of the index for
    little); it still counts in :func:`rescore`.
    """
    concepts = [c for c in plan.concepts if c.alternatives]
    if dfs:
        common = max(COMMON_MIN_DOCS, COMMON_SHARE * n_docs)
        rare = [c for c in concepts if 0 < _rarest(c, dfs) <= common]
        concepts = rare or concepts
    boosts: dict[str, float] = {}
    for concept in concepts:
        for alt in concept.alternatives:
            for s in alt.stems:
                boosts[s] = max(boosts.get(s, 0.0), alt.boost)
    if dfs:
        rare_terms = {s: b for s, b in boosts.items() if dfs.get(s, 0) <= common}
        boosts = rare_terms or boosts
    terms = [wq.Term("content", s, boost=b) for s, b in boosts.items()]
    terms += [wq.Term("title", s, boost=b * TITLE_BOOST) for s, b in boosts.items()]
    if not terms:
        return wq.NullQuery
    q = wq.Or(terms)
    q.matcher_type = wq.Or.DEFAULT_MATCHER  # the preloading array matcher costs more on a small index
    return q


def _rarest(concept: Concept, dfs: dict[str, int]) -> int:
    """Document frequency of the concept's rarest strong form (0 when no form is indexed)."""
    strong = [a for a in concept.alternatives if a.boost >= 0.9] or concept.alternatives
    found = [min(dfs.get(s, 0) for s in a.stems) for a in strong if a.stems]
    found = [df for df in found if df]
    return min(found, default=0)


def query_stats(searcher: Searcher, plan: QueryPlan, extra_docs: int = 0) -> Stats:
    """``extra_docs``: documents to count that the index no longer holds (the per-article vocabulary
    documents a full build leaves out; the relevance set was tuned with them counted)."""
    reader, n = searcher.reader(), max(1, searcher.doc_count()) + extra_docs
    dfs: dict[str, int] = {}
    for concept in plan.concepts:
        for alt in concept.alternatives:
            for s in alt.stems:
                if s not in dfs:
                    dfs[s] = reader.doc_frequency("content", s)
    idf = {s: math.log(1 + (n - df + 0.5) / (df + 0.5)) for s, df in dfs.items()}
    weights = []
    for concept in plan.concepts:
        known = [dfs[a.stems[0]] for a in concept.alternatives if a.stems and dfs[a.stems[0]]]
        weights.append(math.log(1 + n / (min(known) if known else 0.5)))
    avgdl = searcher.field_length("content") / ((searcher.doc_count_all() + extra_docs) or 1)
    avgdl = (avgdl or 1.0) * 0.9  # compounds count twice there
    return Stats(idf, avgdl, weights, dfs, n)


def _alt_score(alt: Alternative, doc: DocStems, stats: Stats) -> float:
    in_text = all(s in doc.tf for s in alt.stems)
    in_title = all(s in doc.title for s in alt.stems)
    if not (in_text or in_title):
        return 0.0
    score = 0.0
    if in_text:
        norm = K1 * (1 - B + B * len(doc.seq) / stats.avgdl)
        score += sum(stats.idf[s] * doc.tf[s] * (K1 + 1) / (doc.tf[s] + norm) for s in alt.stems)
    if in_title:
        score += TITLE_BOOST * sum(stats.idf[s] for s in alt.stems)
    return alt.boost * score


def _strength(concept: Concept, doc: DocStems, title: bool = True) -> float:
    """How well a document holds a concept: the best boost among the alternatives it contains."""
    found = (
        min(a.boost, 1.0)
        for a in concept.alternatives
        if all(s in doc.tf or (title and s in doc.title) for s in a.stems)
    )
    return max(found, default=0.0)


def _positions(concept: Concept, seq: tuple[str, ...]) -> list[int]:
    firsts = {alt.stems[0] for alt in concept.alternatives if alt.stems}
    return [i for i, s in enumerate(seq) if s in firsts]


def _closeness(concepts: list[Concept], seq: tuple[str, ...]) -> float:
    """1.0 when the matched concepts stand side by side, falling as the shortest window widens."""
    marks = sorted((p, k) for k, c in enumerate(concepts) for p in _positions(c, seq))
    need = len({k for _, k in marks})
    if need < 2:
        return 0.0
    best, counts, have, lo = len(seq), {}, 0, 0
    for pos, k in marks:
        counts[k] = counts.get(k, 0) + 1
        have += counts[k] == 1
        while have == need:
            best = min(best, pos - marks[lo][0])
            kk = marks[lo][1]
            counts[kk] -= 1
            have -= counts[kk] == 0
            lo += 1
    return (need - 1) / max(best, need - 1)


def rescore(plan: QueryPlan, stats: Stats, doc: DocStems, kind: str) -> float:
    """Per-concept BM25 × coverage² × proximity bonus × document-kind factor."""
    concepts = plan.concepts
    base = sum(max((_alt_score(a, doc, stats) for a in c.alternatives), default=0.0) for c in concepts)
    strengths = [_strength(c, doc) for c in concepts]
    total = sum(stats.weights) or 1.0
    coverage = sum(w * s for w, s in zip(stats.weights, strengths, strict=True)) / total
    in_text = [c for c, s in zip(concepts, strengths, strict=True) if s and _strength(c, doc, title=False)]
    bonus = 1.0 + PROXIMITY_BONUS * _closeness(in_text, doc.seq) if len(in_text) > 1 else 1.0
    return base * coverage**COVERAGE_POWER * bonus * KIND_FACTOR.get(kind, OTHER_KIND_FACTOR)


def rank(
    searcher: Searcher, plan: QueryPlan, limit: int, cache: dict | None = None, extra_docs: int = 0
) -> list[Scored]:
    """The best ``limit`` documents for a plan, best first; ``cache`` keeps parsed documents by number."""
    if limit <= 0 or not plan.concepts:
        return []
    stats = query_stats(searcher, plan, extra_docs)
    q = plan_query(plan, stats.dfs, stats.n)
    if q is wq.NullQuery:
        return []
    cache = {} if cache is None else cache
    scored = []
    results = searcher.search(q, limit=max(CANDIDATES, limit))
    for docnum in (docnum for _, docnum in results.top_n):
        entry = cache.get(docnum)
        if entry is None:
            fields = searcher.stored_fields(docnum)
            entry = cache[docnum] = (fields, DocStems.of(fields))
        fields, doc = entry
        score = rescore(plan, stats, doc, fields.get("kind", ""))
        if score > 0:
            scored.append(Scored(fields, score))
    scored.sort(key=lambda s: (-s.score, s.fields.get("id", "")))
    return scored[:limit]
