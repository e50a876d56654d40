"""Learning from use: rules agents chose after a query rank higher the next time it (or a close form
of it) is asked.

A :class:`Feedback` is built from (query, rule id, count) triples — the app keeps them
(desktop_app/learning.py), this module neither reads nor writes files. Queries match by their
normalised form, the set of their content words' stems: «роуминг списали» and «списали в роуминге»
are one query; a query sharing at least ``CLOSE_OVERLAP`` of its stems with a learned one counts
as a close form, with less weight. :meth:`Feedback.boost` gives, per rule, the share of the best
hit's score to add to that rule's own score (KnowledgeIndex applies it after ranking). The share
grows with the count but saturates: a choice made once lifts only a rule already scoring close to
the first (one stray click cannot push an exact match of a short keyword query down), while a rule
chosen three times for a query comes first even when its text never says the customer's words.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from index.analysis import STOP_WORDS, stem, words
from index.query import QueryPlan, clean

Key = frozenset[str]

MAX_BOOST = 1.6  # the share of the best hit's score a rule chosen very often gains
HALF_COUNT = 2.0  # the count at which a rule gains half of MAX_BOOST: 1 → 0.32, 2 → 0.8, 3 → 1.11
CLOSE_OVERLAP = 0.75  # shared stems / stems of the longer query, for a close form to count


@dataclass(frozen=True)
class Choice:
    """A rule agents chose after a query, ``count`` times (the query masked, as stored)."""

    query: str
    rule_id: str
    count: float = 1.0


@lru_cache(maxsize=20_000)
def query_key(text: str) -> Key:
    """The normalised form of a query: its content words' stems (function words and numbers out)."""
    found = [w.norm for w in words(clean(text)) if not w.norm.isdigit()]
    content = [w for w in found if w not in STOP_WORDS] or found
    return frozenset(stem(w) for w in content)


def plan_keys(plan: QueryPlan) -> set[Key]:
    """A plan's query as typed and as understood (after a keyboard-layout fix)."""
    keys = {query_key(plan.query)}
    understood = frozenset(stem(w) for c in plan.concepts for w in c.label.split() if not w.isdigit())
    if understood:
        keys.add(understood)
    return {k for k in keys if k}


def overlap(a: Key, b: Key) -> float:
    """Shared stems over the stems of the longer of the two (1.0: the same query)."""
    return len(a & b) / max(len(a), len(b)) if a and b else 0.0


def strength(count: float) -> float:
    """The boost of a rule chosen ``count`` times: small for one choice (lifts only a rule within a
    third of the first hit's score), above 1 from three (first place whatever the text), never
    above MAX_BOOST."""
    return MAX_BOOST * count**2 / (count**2 + HALF_COUNT**2) if count > 0 else 0.0


class Feedback:
    """What agents chose for which queries; immutable once built, safe to share between threads."""

    def __init__(self, choices: Iterable[Choice | tuple[str, str, float]] = ()) -> None:
        self._counts: dict[Key, Counter[str]] = defaultdict(Counter)
        self._by_stem: dict[str, set[Key]] = defaultdict(set)
        for choice in choices:
            query, rule_id, count = (
                (choice.query, choice.rule_id, choice.count) if isinstance(choice, Choice) else choice
            )
            key = query_key(query)
            if key and rule_id and count > 0:
                self._counts[key][rule_id] += count
                for s in key:
                    self._by_stem[s].add(key)

    def __len__(self) -> int:
        return len(self._counts)

    def changed(self, query: str, rule_id: str, delta: float) -> Feedback:
        """A copy with ``delta`` more (or, negative, fewer) choices of ``rule_id`` after ``query``:
        cheap next to building again from every choice; this one stays as it was."""
        new = Feedback()
        new._counts, new._by_stem = defaultdict(Counter, self._counts), defaultdict(set, self._by_stem)
        key = query_key(query)
        if not key or not rule_id:
            return new
        counts = Counter(self._counts.get(key, ()))
        counts[rule_id] += delta
        counts = Counter({r: n for r, n in counts.items() if n > 0})
        if counts:
            new._counts[key] = counts
            for s in key:
                new._by_stem[s] = self._by_stem.get(s, set()) | {key}
        else:
            new._counts.pop(key, None)
            for s in key:
                new._by_stem[s] = self._by_stem.get(s, set()) - {key}
        return new

    def boost(self, plan_or_query: QueryPlan | str) -> dict[str, float]:
        """Rule id → the share of the best hit's score to add to that rule (empty: nothing learned)."""
        if not self._counts:
            return {}
        if isinstance(plan_or_query, QueryPlan):
            keys = plan_keys(plan_or_query)
        else:
            keys = {query_key(plan_or_query)}
        counts: Counter[str] = Counter()
        for learned, weight in self._similar(keys).items():
            for rule_id, n in self._counts[learned].items():
                counts[rule_id] += n * weight
        return {rule_id: strength(n) for rule_id, n in counts.items()}

    def _similar(self, keys: set[Key]) -> dict[Key, float]:
        """Learned queries close to any of ``keys``, with their overlap (the best over ``keys``)."""
        out: dict[Key, float] = {}
        for key in keys:
            for learned in {k for s in key for k in self._by_stem.get(s, ())}:
                share = overlap(key, learned)
                if share >= CLOSE_OVERLAP and share > out.get(learned, 0.0):
                    out[learned] = share
        return out
