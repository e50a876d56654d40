"""Running a query plan on a Whoosh searcher and ranking the rules it finds.

Whoosh (BM25F over the rule text and the boosted titles) gathers candidates for an OR of all concepts;
each candidate is then re-scored: more of the query's concepts matched, and matched close together,
counts for more; phrases and intro paragraphs yield to rules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from whoosh import query as wq
from whoosh.searching import Searcher

from index.documents import RULE
from index.query import Concept, QueryPlan

TITLE_BOOST = 0.35
CANDIDATES = 60
COVERAGE_POWER = 2.0
PROXIMITY_BONUS = 0.5
KIND_FACTOR = {RULE: 1.0}
OTHER_KIND_FACTOR = 0.55


@dataclass(frozen=True)
class Scored:
    fields: dict
    score: float


def plan_query(plan: QueryPlan) -> wq.Query:
    """The Whoosh query gathering candidates: one flat OR of every stem of every alternative.

    Flat, because the structure (which concept, all words of an alternative) is judged in
    :func:`rescore`; one union matcher is several times cheaper than nested ones.
    """
    boosts: dict[str, float] = {}
    for concept in plan.concepts:
        for alt in concept.alternatives:
            for s in alt.stems:
                boosts[s] = max(boosts.get(s, 0.0), alt.boost)
    terms = [wq.Term("content", s, boost=b) for s, b in boosts.items()]
    terms += [wq.Term("title", s, boost=b * TITLE_BOOST) for s, b in boosts.items()]
    if not terms:
        return wq.NullQuery
    q = wq.Or(terms)
    q.matcher_type = wq.Or.DEFAULT_MATCHER  # the preloading array matcher costs more on a small index
    return q


def _strength(concept: Concept, stems: set[str]) -> float:
    """How well a document holds a concept: the best boost among the alternatives it contains."""
    found = (min(a.boost, 1.0) for a in concept.alternatives if all(s in stems for s in a.stems))
    return max(found, default=0.0)


def concept_weights(searcher: Searcher, plan: QueryPlan) -> list[float]:
    """Each concept's weight in the coverage: the idf of its rarest alternative."""
    reader, n = searcher.reader(), max(1, searcher.doc_count())
    weights = []
    for concept in plan.concepts:
        dfs = [reader.doc_frequency("content", a.stems[0]) for a in concept.alternatives if a.stems]
        known = [df for df in dfs if df]
        weights.append(math.log(1 + n / (min(known) if known else 0.5)))
    return weights


def _positions(concept: Concept, seq: list[str]) -> list[int]:
    firsts = {alt.stems[0] for alt in concept.alternatives if alt.stems}
    return [i for i, s in enumerate(seq) if s in firsts]


def _closeness(concepts: list[Concept], seq: list[str]) -> float:
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


@dataclass(frozen=True)
class DocStems:
    """A document's stems, parsed once per searcher: the text in order, and with the titles."""

    seq: tuple[str, ...]
    content: frozenset[str]
    everything: frozenset[str]

    @classmethod
    def of(cls, fields: dict) -> DocStems:
        seq = tuple(fields.get("stems", "").split())
        content = frozenset(seq)
        return cls(seq, content, content | frozenset(fields.get("title_stems", "").split()))


def rescore(plan: QueryPlan, weights: list[float], doc: DocStems, kind: str, base: float) -> float:
    """The final score: Whoosh's, times coverage², a proximity bonus and the document-kind factor.

    Coverage is the idf-weighted share of the query's concepts the document holds, each counted
    by the strength of the form found (the word itself 1.0, a synonym, typo fix or completion less).
    """
    seq, content, everything = doc.seq, doc.content, doc.everything
    concepts = plan.concepts
    strengths = [_strength(c, everything) for c in concepts]
    total = sum(weights) or 1.0
    coverage = sum(w * s for w, s in zip(weights, strengths, strict=True)) / total
    in_text = [c for c, s in zip(concepts, strengths, strict=True) if s and _strength(c, content)]
    bonus = 1.0 + PROXIMITY_BONUS * _closeness(in_text, seq) if len(in_text) > 1 else 1.0
    return base * coverage**COVERAGE_POWER * bonus * KIND_FACTOR.get(kind, OTHER_KIND_FACTOR)


def rank(searcher: Searcher, plan: QueryPlan, limit: int, cache: dict | None = None) -> list[Scored]:
    """The best ``limit`` documents for a plan, best first; ``cache`` keeps parsed documents by number."""
    q = plan_query(plan)
    if q is wq.NullQuery or limit <= 0:
        return []
    cache = {} if cache is None else cache
    results = searcher.search(q, limit=max(CANDIDATES, limit))
    weights = concept_weights(searcher, plan)
    scored = []
    for hit in results:
        entry = cache.get(hit.docnum)
        if entry is None:
            fields = hit.fields()
            entry = cache[hit.docnum] = (fields, DocStems.of(fields))
        fields, doc = entry
        scored.append(Scored(fields, rescore(plan, weights, doc, fields.get("kind", ""), hit.score)))
    scored.sort(key=lambda s: (-s.score, s.fields.get("id", "")))
    return scored[:limit]
