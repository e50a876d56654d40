"""How sure a search is of its answer, from the ranking's own signals.

Per hit (:class:`Judge`): which of the query's concepts the document holds, and how — as typed (the
word's stem, a compound's parts together), through a glossary or thesaurus synonym, only through a
typo or layout fix, or only loosely (a same-root word, one part of a compound alone, a vocabulary
word near a correctly spelled word). Each concept earns a credit (1 for the first three, less for
loose matches, 0 for the near-words of a correct word) and the idf-weighted credit share is
``Hit.coverage``. ``Hit.match`` says how the hit matched: PARTIAL when an informative concept is
missing, else CORRECTED, SYNONYM or EXACT by the weakest way a concept was found.

Per result (:func:`verdict`): STRONG when the first hit holds every informative concept and most of
the query's weight, or half of it while no other hit holds as much, or agents chose it for this
query several times (``Hit.learned``); WEAK otherwise (the card says «точного совпадения нет» and
offers the first few hits); NONE without hits. When hits fitting about as well as the first and
scoring close to it lie on other lines, the result is ambiguous and its candidates name one hit
per line.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from index import feedback, morphology
from index.analysis import STOP_WORDS, stem, words
from index.query import Alternative, Concept, QueryPlan, clean
from index.results import CORRECTED, EXACT, NONE, PARTIAL, STRONG, SYNONYM, WEAK, Hit
from index.vocabulary import Vocabulary

# An alternative's boost tells how query understanding found it (index/query.py): glossary and
# thesaurus synonyms from 0.8 up, typo fixes and completions 0.55–0.75, same-root words and single
# compound parts 0.5, near-words of correctly spelled words below that.
SYNONYM_MIN_BOOST = 0.8
LOOSE_MIN_BOOST = 0.45
LOOSE_CREDIT = 0.75  # a same-root word (курьер / курьерскую): found, but not quite as asked
PART_CREDIT = 0.4  # one part of a compound alone (сим-карта → карт): half of what was asked
COVERED_CREDIT = 0.5  # a concept with less credit than this is missing

INFORMATIVE_SHARE = 0.35  # a concept weighing less than this share of the heaviest one may be missing
STRONG_COVERAGE = 0.8  # the first hit holds at least this idf-weighted share of the query ...
ALONE_COVERAGE = 0.5  # ... or at least this share, and no other hit holds as much:
RIVAL_SCORE = 0.25  # another hit about as covering and scoring this share of the first is a rival
CLOSE_SCORE = 0.8  # a hit scoring at least this share of the first competes with it for the card
CLOSE_COVERAGE = 0.1  # "about as covering": coverage at most this much lower
WEAK_CANDIDATES = 3
MAX_LINES = 3
LEARNED_STRONG = feedback.strength(3)  # agents chose the first hit for this query three times
JUDGED_HITS = 10  # hits the verdict looks at (KnowledgeIndex ranks at least these many)
STEM_SETS_KEPT = 256  # documents' stem sets kept (~5 KB each at 100k rules; a query judges ≤ 30)

# How one concept was found in a document, strongest first; the credit each way earns.
_TYPED, _SYNONYM, _FIXED, _LOOSE, _PART, _NEAR = "typed", "synonym", "fixed", "loose", "part", "near"
_CREDIT = {_TYPED: 1.0, _SYNONYM: 1.0, _FIXED: 1.0, _LOOSE: LOOSE_CREDIT, _PART: PART_CREDIT, _NEAR: 0.0}
_MATCH_ORDER = (_FIXED, _SYNONYM)  # a hit is CORRECTED before SYNONYM before EXACT


@dataclass(frozen=True)
class Fit:
    """How well one document fits a query: its idf-weighted coverage and how it matched."""

    coverage: float
    match: str


@dataclass(frozen=True)
class Verdict:
    """What the answer card may claim: confidence, whether lines compete, the hits to show."""

    confidence: str
    ambiguous: bool
    candidates: tuple[Hit, ...]


def typed_forms(concept: Concept) -> tuple[frozenset[tuple[str, ...]], frozenset[str]]:
    """The stem tuples that are the concept as typed (its words with or without function words, a
    compound's parts together), and a compound's single parts (each alone is only part of it)."""
    label_words = concept.label.split()
    content = [w for w in label_words if w not in STOP_WORDS] or label_words
    forms = {tuple(stem(w) for w in label_words), tuple(stem(w) for w in content)}
    parts: set[str] = set()
    if len(label_words) == 1 and "-" in label_words[0]:
        split = [p for p in label_words[0].split("-") if p]
        parts = {stem(p) for p in split}
        forms.add(tuple(stem(p) for p in split))
    return frozenset(forms), frozenset(parts)


def concept_weights(plan: QueryPlan, df: Callable[[str], int], n: int) -> list[float]:
    """Each concept's idf weight from the document frequency ``df`` of its forms among ``n``
    documents, like the ranking's, but a word no document holds weighs most (it was asked for and
    nothing answers it) and a number nobody holds nothing; times the concept's own weight where
    query understanding gives one (fillers and numbers count little)."""
    out = []
    for concept in plan.concepts:
        known = [d for a in concept.alternatives if a.stems and (d := df(a.stems[0]))]
        if known:
            idf = math.log(1 + n / min(known))
        else:
            idf = 0.0 if any(ch.isdigit() for ch in concept.label) else math.log(1 + n / 0.5)
        out.append(idf * getattr(concept, "weight", 1.0))
    return out


class _ConceptView:
    """One concept with what is needed to tell how a document holds it."""

    def __init__(self, concept: Concept, fixed: bool, weight: float) -> None:
        self.weight = weight
        typed, parts = typed_forms(concept)
        self.ways = [(alt, self._way(alt, typed, parts, fixed)) for alt in concept.alternatives if alt.stems]
        self.ways.sort(key=lambda aw: -_CREDIT[aw[1]])

    @staticmethod
    def _way(alt: Alternative, typed: frozenset[tuple[str, ...]], parts: frozenset[str], fixed: bool) -> str:
        if alt.stems in typed:
            return _FIXED if fixed else _TYPED
        if len(alt.stems) == 1 and alt.stems[0] in parts:
            return _PART
        if alt.boost >= SYNONYM_MIN_BOOST:
            return _SYNONYM
        if fixed:  # a typo or the wrong layout: its fixes are what the agent meant
            return _FIXED if alt.boost >= LOOSE_MIN_BOOST else _NEAR
        return _LOOSE if alt.boost >= LOOSE_MIN_BOOST else _NEAR

    def found(self, has: frozenset[str]) -> str | None:
        """The best way the concept is in a document whose stems are ``has``; None if not at all."""
        for alt, way in self.ways:
            if all(s in has for s in alt.stems):
                return way
        return None


class Judge:
    """Coverage and match of the documents found for one plan."""

    def __init__(self, plan: QueryPlan, weights: Sequence[float], vocab: Vocabulary) -> None:
        typed_words = {w.norm for w in words(clean(plan.query))}
        views = []
        for concept, weight in zip(plan.concepts, weights, strict=False):
            views.append(_ConceptView(concept, _is_fixed(concept, typed_words, vocab), weight))
        self._views = views
        self._total = sum(v.weight for v in views) or 1.0
        heaviest = max((v.weight for v in views), default=0.0)
        self._informative = [v.weight >= INFORMATIVE_SHARE * heaviest for v in views]

    def fit(self, fields: dict) -> Fit:
        """The fit of a document given its stored fields (every ``*stems`` field counts)."""
        has = document_stems(fields)
        ways = [v.found(has) for v in self._views]
        credit = sum(v.weight * _CREDIT[w] for v, w in zip(self._views, ways, strict=True) if w)
        coverage = round(min(1.0, credit / self._total), 4)
        return Fit(coverage, self._match(ways))

    def _match(self, ways: list[str | None]) -> str:
        if not ways:
            return PARTIAL
        for way, informative in zip(ways, self._informative, strict=True):
            if informative and (way is None or _CREDIT[way] < COVERED_CREDIT):
                return PARTIAL
        if _FIXED in ways:
            return CORRECTED
        return SYNONYM if _SYNONYM in ways else EXACT


def _is_fixed(concept: Concept, typed_words: set[str], vocab: Vocabulary) -> bool:
    """Whether the concept's word is not what was typed (layout fix) or a typo the index fixed."""
    label_words = concept.label.split()
    if any(w not in typed_words for w in label_words):
        return True  # converted from the other keyboard layout
    if len(label_words) > 1:
        return False  # a glossary phrase: its words are known
    word = label_words[0]
    parts = [p for p in word.split("-") if p]
    if vocab.knows_stem(stem(word)) or all(vocab.knows_stem(stem(p)) for p in parts):
        return False
    return not all(morphology.is_known(p) for p in parts)


def document_stems(fields: dict) -> frozenset[str]:
    """Every stem a document holds: its text, titles, and any other stored ``*stems`` field (the
    customer phrasings)."""
    return _stem_set(tuple(v for k, v in fields.items() if k.endswith("stems") and isinstance(v, str)))


@lru_cache(maxsize=STEM_SETS_KEPT)
def _stem_set(values: tuple[str, ...]) -> frozenset[str]:
    """(The stored strings are the cached documents' own: a document ranked again is not split again.)"""
    return frozenset(s for value in values for s in value.split())


def verdict(hits: Sequence[Hit]) -> Verdict:
    """Confidence, ambiguity and the hits the answer card should show (``hits`` best first, with
    their coverage and match; pass at least ``JUDGED_HITS`` when there are that many)."""
    if not hits:
        return Verdict(NONE, False, ())
    top = hits[0]
    if not (_holds_all(top) or _holds_alone(top, hits[1:]) or top.learned >= LEARNED_STRONG):
        return Verdict(WEAK, False, tuple(hits[:WEAK_CANDIDATES]))
    rivals = [h for h in hits[1:] if _competes(h, top)]
    per_line = _one_per_line([top, *rivals])
    return Verdict(STRONG, len(per_line) > 1, tuple(per_line))


def _holds_all(hit: Hit) -> bool:
    """Every informative concept, and most of the query's weight."""
    return hit.match != PARTIAL and hit.coverage >= STRONG_COVERAGE


def _holds_alone(top: Hit, others: Sequence[Hit]) -> bool:
    """Half the query's weight or more, and no other hit holds as much with a comparable score."""
    if top.coverage < ALONE_COVERAGE:
        return False
    return not any(
        h.coverage >= top.coverage - CLOSE_COVERAGE and h.score >= RIVAL_SCORE * top.score for h in others
    )


def _competes(hit: Hit, top: Hit) -> bool:
    """Fits about as well as the first hit and scores close to it."""
    return (
        hit.score >= CLOSE_SCORE * top.score
        and hit.coverage >= top.coverage - CLOSE_COVERAGE
        and (hit.match != PARTIAL or top.match == PARTIAL)
    )


def _one_per_line(hits: Iterable[Hit]) -> list[Hit]:
    seen: dict[str, Hit] = {}
    for hit in hits:
        seen.setdefault(hit.line, hit)
    return list(seen.values())[:MAX_LINES]
