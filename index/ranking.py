"""Running a query plan on a Whoosh index and ranking the rules it finds.

Candidates are gathered with one BM25 pass over the postings of every stem of every alternative
(the commonest concepts left out when rarer ones are asked for). Each candidate is then scored per
concept, BM25-style: a concept counts once, by its best alternative (the word itself, a glossary
synonym, a typo fix, a related word), in the rule text and, less, in the titles. The sum is
multiplied by the square of the idf-weighted share of concepts found (rules that hold everything
asked win), a bonus when those words stand close together, and a factor that lets rules win over
phrases and intro paragraphs.
"""

from __future__ import annotations

import dataclasses
import heapq
import math
import threading
from collections import Counter, OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType

from whoosh.searching import Searcher

from index.documents import RULE
from index.postings import PostingsCache, doc_frequency
from index.query import Concept, QueryPlan
from index.stored import StoredFields

TITLE_BOOST = 0.35
PHRASING_BOOST = 1.0  # a concept found in the customers' phrasings, against 1.0 in the rule text
CANDIDATES = 60
GATHER_FLOOR = 0.15  # candidates gathered with less than this share of the best one's sum are not ranked
DOC_CACHE_SIZE = 3000  # parsed documents kept per searcher (~5 KB each)
COVERAGE_POWER = 2.0
# A rule must hold every concept of a short query; of a long one (a pasted sentence) the core will do:
# up to REQUIRED_CONCEPTS informative concepts are required whole, each one beyond adds only its share.
REQUIRED_CONCEPTS = 4
EXTRA_REQUIRED_SHARE = 0.4
INFORMATIVE_WEIGHT = 0.5  # concepts weighted below this (numbers, fillers) are not counted as concepts
PHRASING_MATCH_BONUS = 2.0  # × the idf-weighted share of the query found within one single phrasing
OTHER_FORMS_SHARE = 0.1  # of the score of each further form of a concept a document holds (погашения…)
PROXIMITY_BONUS = 0.5
K1, B = 1.2, 0.75
COMMON_SHARE, COMMON_MIN_DOCS = 0.02, 200
KIND_FACTOR = {RULE: 1.0}
OTHER_KIND_FACTOR = 0.55


@dataclass(frozen=True)
class Scored:
    fields: dict
    score: float


_NO_COUNTS: Mapping[str, int] = MappingProxyType({})


@dataclass(frozen=True)
class DocStems:
    """A document's stems, parsed once per searcher: text in order, term counts, title stems, and the
    phrasings' term counts and stems one phrasing at a time."""

    seq: tuple[str, ...]
    tf: Counter
    title: frozenset[str]
    phrasing_tf: Mapping[str, int]
    phrasings: tuple[frozenset[str], ...]
    phrasing_lines: Mapping[str, int]  # stem → bit mask of the phrasings holding it

    @classmethod
    def of(cls, fields: dict) -> DocStems:
        seq = tuple(fields.get("stems", "").split())
        title = _title_stems(fields.get("title_stems", ""))
        lines = fields.get("phrasing_stems", "")
        if not lines:
            return cls(seq, Counter(seq), title, _NO_COUNTS, (), _NO_COUNTS)
        phrasings = tuple(frozenset(line.split()) for line in lines.split("\n"))
        masks: dict[str, int] = {}
        for i, line in enumerate(phrasings):
            for s in line:
                masks[s] = masks.get(s, 0) | (1 << i)
        return cls(seq, Counter(seq), title, Counter(lines.split()), phrasings, masks)


@lru_cache(maxsize=4096)
def _title_stems(text: str) -> frozenset[str]:
    """A title's stems (every rule of a section shares its title: parsed once)."""
    return frozenset(text.split())


class DocCache:
    """Stored fields and parsed stems of the documents ranked lately, for one reader (by docnum);
    :meth:`close` when that reader goes."""

    def __init__(self, reader=None, size: int = DOC_CACHE_SIZE) -> None:
        self._stored = StoredFields(reader) if reader is not None else None
        self._size = size
        self._memo: OrderedDict[int, tuple[dict, DocStems]] = OrderedDict()

    def get(self, searcher: Searcher, docnum: int) -> tuple[dict, DocStems]:
        entry = self._memo.get(docnum)
        if entry is None:
            fields = self._stored.get(docnum) if self._stored else searcher.stored_fields(docnum)
            entry = self._memo[docnum] = (fields, DocStems.of(fields))
            if len(self._memo) > self._size:
                self._memo.popitem(last=False)
        else:
            self._memo.move_to_end(docnum)
        return entry

    def close(self) -> None:
        if self._stored is not None:
            self._stored.close()
            self._stored = None
        self._memo.clear()

    def __len__(self) -> int:
        return len(self._memo)


@dataclass(frozen=True)
class Stats:
    """Collection statistics for one query: idf per stem, average text length, concept weights."""

    idf: dict[str, float]
    avgdl: float
    weights: list[float]
    dfs: dict[str, int]
    n: int


_SEGMENT_LENGTHS: OrderedDict[tuple[str, str], list[int]] = OrderedDict()
_SEGMENT_LENGTHS_KEPT = 16  # (segment, field) pairs: a few indexes' segments
_SEGMENT_LENGTHS_LOCK = threading.Lock()


def field_lengths(reader, fieldname: str) -> list[int]:
    """Every document's length in ``fieldname`` (as Whoosh stores it, quantised), by docnum.

    Kept per segment (segments never change, deletions aside), so the searcher opened after an
    update reads only the new segment's lengths, not 100k again."""
    if not reader.is_atomic():  # all segments' lists end to end, kept on this reader
        whole = reader.__dict__.setdefault("_kb_field_lengths", {})
        if fieldname not in whole:
            whole[fieldname] = [
                n for leaf, _ in reader.leaf_readers() for n in field_lengths(leaf, fieldname)
            ]
        return whole[fieldname]
    try:
        key = (reader.segment().segment_id(), fieldname)
    except Exception:  # not a segment reader: nothing to key it on
        return _read_lengths(reader, fieldname)
    with _SEGMENT_LENGTHS_LOCK:
        lengths = _SEGMENT_LENGTHS.get(key)
        if lengths is not None and len(lengths) == reader.doc_count_all():
            _SEGMENT_LENGTHS.move_to_end(key)
            return lengths
    lengths = _read_lengths(reader, fieldname)
    with _SEGMENT_LENGTHS_LOCK:
        _SEGMENT_LENGTHS[key] = lengths
        while len(_SEGMENT_LENGTHS) > _SEGMENT_LENGTHS_KEPT:
            _SEGMENT_LENGTHS.popitem(last=False)
    return lengths


def _read_lengths(reader, fieldname: str) -> list[int]:
    dfl = reader.doc_field_length
    return [dfl(d, fieldname, 1) or 0 for d in range(reader.doc_count_all())]  # None for 0


def common_df(n_docs: int) -> float:
    """Above this document frequency a term is common: gathering leaves it out when rarer terms
    are asked for, and a warm-up reads its postings ahead."""
    return max(COMMON_MIN_DOCS, COMMON_SHARE * n_docs)


def candidate_terms(plan: QueryPlan, dfs: dict[str, int] | None = None, n_docs: int = 0) -> dict[str, float]:
    """The stems that gather candidates, each with its best boost: every stem of the chosen concepts.

    On a large index a concept whose every form is in more than ``COMMON_SHARE`` of the documents
    is left out of it while rarer concepts remain (it would make the gathering visit most of the
    index for little); it still counts in :func:`rescore`.
    """
    concepts = [c for c in plan.concepts if c.alternatives]
    if dfs:
        common = common_df(n_docs)
        rare = [c for c in concepts if 0 < _rarest(c, dfs) <= common]
        concepts = rare or concepts
    boosts: dict[str, float] = {}
    for concept in concepts:
        for alt in concept.alternatives:
            for s in alt.stems:
                boosts[s] = max(boosts.get(s, 0.0), alt.boost)
    if dfs:
        rare_terms = {s: b for s, b in boosts.items() if 0 < dfs.get(s, 0) <= common}
        boosts = rare_terms or boosts
    return boosts


def gather(
    postings: PostingsCache,
    terms: dict[str, float],
    stats: Stats,
    lengths: list[int],
    limit: int,
) -> list[int]:
    """The ``limit`` documents with the best BM25 sum over ``terms`` (rule text, and titles and
    phrasings at their boosts), best first; one pass over every posting of the terms."""
    acc: dict[int, float] = {}
    get = acc.get
    k1b, kb = K1 * (1 - B), K1 * B / stats.avgdl  # BM25's length normalisation, split
    for stem, boost in terms.items():
        idf = stats.idf.get(stem, 0.0)
        ids, tfs = postings.get("content", stem)
        w = boost * idf * (K1 + 1)
        values = [w * tf / (tf + k1b + kb * lengths[d]) for d, tf in zip(ids, tfs, strict=True)]
        if acc:
            for d, v in zip(ids, values, strict=True):
                acc[d] = get(d, 0.0) + v
        else:
            acc.update(zip(ids, values, strict=True))
        for fieldname, weight in (("title", TITLE_BOOST), ("phrasings", PHRASING_BOOST)):
            field_ids, _ = postings.get(fieldname, stem)
            w = boost * idf * weight
            for d in field_ids:
                acc[d] = get(d, 0.0) + w
    if len(acc) <= limit:
        best = sorted(acc, key=lambda d: (-acc[d], d))
    else:
        best = heapq.nlargest(limit, acc, key=acc.__getitem__)
    floor = acc[best[0]] * GATHER_FLOOR if best else 0.0
    return [d for d in best if acc[d] >= floor]


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
                if s not in dfs:  # a customer's word may be only in phrasings: count them too
                    dfs[s] = min(text_df(reader, s), n)  # a document with the word in both counts twice
    idf = {s: math.log(1 + (n - df + 0.5) / (df + 0.5)) for s, df in dfs.items()}
    weights = []
    for concept in plan.concepts:
        known = [dfs[a.stems[0]] for a in concept.alternatives if a.stems and dfs[a.stems[0]]]
        # a concept no document holds changes no ranking; it must not raise what is required either
        weights.append(concept.weight * math.log(1 + n / min(known)) if known else 0.0)
    avgdl = searcher.field_length("content") / ((searcher.doc_count_all() + extra_docs) or 1)
    avgdl = (avgdl or 1.0) * 0.9  # compounds count twice there
    return Stats(idf, avgdl, weights, dfs, n)


_DF_MEMO_SIZE = 50_000  # stems per reader


def text_df(reader, stem: str) -> int:
    """Documents holding ``stem`` in the text plus those holding it in the phrasings, memoised on the
    reader (it never changes; a query asks again for the same few stems)."""
    memo = reader.__dict__.setdefault("_kb_text_dfs", {})
    df = memo.get(stem)
    if df is None:
        if len(memo) > _DF_MEMO_SIZE:
            memo.clear()
        df = memo[stem] = doc_frequency(reader, "content", stem) + doc_frequency(reader, "phrasings", stem)
    return df


def _in_title(reader, stem: str) -> bool:
    memo = reader.__dict__.setdefault("_kb_title_dfs", {})
    found = memo.get(stem)
    if found is None:
        if len(memo) > _DF_MEMO_SIZE:
            memo.clear()
        found = memo[stem] = reader.doc_frequency("title", stem) > 0
    return found


def indexed_only(plan: QueryPlan, stats: Stats, reader) -> list[Concept]:
    """The plan's concepts without the alternatives no document can hold (a stem in no field): they
    cannot change a score, and a long query has many."""
    out = []
    for c in plan.concepts:
        alts = [a for a in c.alternatives if all(stats.dfs.get(s) or _in_title(reader, s) for s in a.stems)]
        out.append(c if len(alts) == len(c.alternatives) else Concept(c.label, alts, c.stop, c.weight))
    return out


def _concept_match(concept: Concept, doc: DocStems, stats: Stats) -> tuple[float, float, bool]:
    """(score, strength, held by the text) of a concept in a document, in one pass over its
    alternatives. The score is the best alternative's BM25 in the text plus its weight in the title
    and in the phrasings, plus ``OTHER_FORMS_SHARE`` of the other alternatives' scores; the strength is
    the best boost among the alternatives the document holds
    (each word in the text, the title or the phrasings); the text holds it when one alternative is
    there whole."""
    tf, title, ptf = doc.tf, doc.title, doc.phrasing_tf
    best_score = best_strength = 0.0
    in_any_text = False
    norm = total = 0.0
    for alt in concept.alternatives:
        stems = alt.stems
        if len(stems) == 1:  # most alternatives: no generator per test
            s = stems[0]
            in_text, in_title, in_phrasings = s in tf, s in title, s in ptf
        else:
            in_text = all(s in tf for s in stems)
            in_title = all(s in title for s in stems)
            in_phrasings = bool(ptf) and all(s in ptf for s in stems)
        if not (in_text or in_title or in_phrasings):
            if len(stems) > 1 and all(s in tf or s in title or s in ptf for s in stems):
                best_strength = max(best_strength, min(alt.boost, 1.0))
            continue
        best_strength = max(best_strength, min(alt.boost, 1.0))
        in_any_text = in_any_text or in_text
        idf = stats.idf
        score = 0.0
        if in_text:
            norm = norm or K1 * (1 - B + B * len(doc.seq) / stats.avgdl)
            score += sum(idf[s] * tf[s] * (K1 + 1) / (tf[s] + norm) for s in stems)
        if in_title:
            score += TITLE_BOOST * sum(idf[s] for s in stems)
        if in_phrasings:
            score += PHRASING_BOOST * sum(idf[s] * ptf[s] * (K1 + 1) / (ptf[s] + K1) for s in stems)
        score *= alt.boost
        total += score
        best_score = max(best_score, score)
    return best_score + OTHER_FORMS_SHARE * (total - best_score), best_strength, in_any_text


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
    matches = [_concept_match(c, doc, stats) for c in concepts]
    base = sum(c.weight * m[0] for c, m in zip(concepts, matches, strict=True))
    found = sum(w * m[1] for w, m in zip(stats.weights, matches, strict=True))
    coverage = min(1.0, found / (_required(concepts, stats.weights) or 1.0))
    in_text = [c for c, m in zip(concepts, matches, strict=True) if m[2]]
    bonus = 1.0 + PROXIMITY_BONUS * _closeness(in_text, doc.seq) if len(in_text) > 1 else 1.0
    if doc.phrasings:
        bonus *= 1.0 + PHRASING_MATCH_BONUS * _phrasing_match(concepts, stats.weights, doc)
    return base * coverage**COVERAGE_POWER * bonus * KIND_FACTOR.get(kind, OTHER_KIND_FACTOR)


def _required(concepts: list[Concept], weights: list[float]) -> float:
    """The concept weight a rule must hold to cover the query: all of it for a short query, the core
    of a long one (see ``REQUIRED_CONCEPTS``)."""
    total = sum(weights)
    n = sum(1 for c, w in zip(concepts, weights, strict=True) if w > 0 and c.weight >= INFORMATIVE_WEIGHT)
    if n <= REQUIRED_CONCEPTS:
        return total
    return total * (REQUIRED_CONCEPTS + EXTRA_REQUIRED_SHARE * (n - REQUIRED_CONCEPTS)) / n


def _phrasing_match(concepts: list[Concept], weights: list[float], doc: DocStems) -> float:
    """The largest idf-weighted share of the query's concepts that one single phrasing holds (0 when
    it holds fewer than two: one word says little about the whole phrasing)."""
    lines = doc.phrasing_lines
    held = [(w, m) for c, w in zip(concepts, weights, strict=True) if w and (m := _lines_holding(c, lines))]
    if len(held) < 2:
        return 0.0
    best = 0.0
    for i in range(len(doc.phrasings)):
        bit = 1 << i
        found = [w for w, m in held if m & bit]
        if len(found) > 1:
            best = max(best, sum(found))
    return best / (sum(weights) or 1.0)


def _lines_holding(concept: Concept, lines: Mapping[str, int]) -> int:
    """A bit mask of the phrasings that hold some alternative of the concept whole."""
    mask = 0
    for alt in concept.alternatives:
        m = -1
        for s in alt.stems:
            m &= lines.get(s, 0)
            if not m:
                break
        if alt.stems:
            mask |= m
    return mask


def rank(
    searcher: Searcher,
    plan: QueryPlan,
    limit: int,
    cache: DocCache | None = None,
    extra_docs: int = 0,
    postings: PostingsCache | None = None,
) -> list[Scored]:
    """The best ``limit`` documents for a plan, best first; ``cache`` keeps parsed documents by
    number, ``postings`` the posting lists read (both valid for this searcher only)."""
    if limit <= 0 or not plan.concepts:
        return []
    stats = query_stats(searcher, plan, extra_docs)
    terms = candidate_terms(plan, stats.dfs, stats.n)
    if not terms:
        return []
    reader = searcher.reader()
    postings = postings or PostingsCache(reader)
    own_cache = cache is None
    cache = DocCache(reader) if cache is None else cache
    scored = []
    pruned = dataclasses.replace(plan, concepts=indexed_only(plan, stats, reader))
    try:
        for docnum in gather(
            postings, terms, stats, field_lengths(reader, "content"), max(CANDIDATES, limit)
        ):
            fields, doc = cache.get(searcher, docnum)
            score = rescore(pruned, stats, doc, fields.get("kind", ""))
            if score > 0:
                scored.append(Scored(fields, score))
    finally:
        if own_cache:
            cache.close()
    scored.sort(key=lambda s: (-s.score, s.fields.get("id", "")))
    return scored[:limit]
