"""The words and stems an index knows: typo correction and prefix completion from its lexicon.

Exact look-ups and prefixes go straight to the Whoosh reader (cheap term-dictionary seeks), so opening
a searcher costs nothing here. The only heavy structure, a one-deletion index over the stems for typo
correction, is built on the first unknown word and kept for the life of the searcher.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from whoosh.reading import IndexReader

from index import morphology
from index.analysis import stem
from index.postings import doc_frequency, has_terms

STEMS, WORDS = "content", "words"
MAX_PREFIX_SCAN = 200


class Lexicon(Protocol):
    def df(self, field: str, term: str) -> int: ...
    def prefixed(self, field: str, prefix: str) -> Iterator[str]: ...
    def prefixed_df(self, field: str, prefix: str, limit: int) -> list[tuple[str, int]]: ...
    def terms(self, field: str) -> Iterable[tuple[str, int]]: ...


@dataclass(frozen=True)
class WordTable:
    """Words kept beside the index (a full build's vocabulary): sorted, with their article counts."""

    sorted_words: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)

    def prefixed(self, prefix: str) -> Iterator[str]:
        words = self.sorted_words
        for i in range(bisect.bisect_left(words, prefix), len(words)):
            if not words[i].startswith(prefix):
                return
            yield words[i]


class ReaderLexicon:
    """A Whoosh reader's term dictionary; ``words`` adds the build's vocabulary to the WORDS field
    (documents added by later updates carry their words in the index itself)."""

    def __init__(self, reader: IndexReader, words: WordTable | None = None) -> None:
        self._reader = reader
        self._words = words or WordTable()

    def df(self, field: str, term: str) -> int:
        if not term:
            return 0
        extra = self._words.counts.get(term, 0) if field == WORDS else 0
        if field not in self._reader.schema:
            return extra
        return extra + doc_frequency(self._reader, field, term)

    def prefixed(self, field: str, prefix: str) -> Iterator[str]:
        if not prefix:
            return iter(())
        found = (
            (b.decode("utf-8") for b in self._reader.expand_prefix(field, prefix))
            if field in self._reader.schema
            else iter(())
        )
        if field != WORDS or not self._words.sorted_words:
            return found
        return _unique(heapq.merge(found, self._words.prefixed(prefix)))

    def prefixed_df(self, field: str, prefix: str, limit: int) -> list[tuple[str, int]]:
        """The first ``limit`` terms of :meth:`prefixed` with their :meth:`df`, read in one pass over
        each segment's term infos (not one hash look-up per term and segment: ~30 µs a term at 100k
        rules). A term among the first ``limit`` overall is among the first ``limit`` of every
        segment holding it, so the sums are the same."""
        if not prefix:
            return []
        dfs: Counter[str] = Counter()
        if field in self._reader.schema:
            for leaf in (r for r, _ in self._reader.leaf_readers() if has_terms(r, field)):
                for b, info in itertools.islice(leaf.iter_prefix(field, prefix), limit):
                    dfs[b.decode("utf-8")] += info.doc_frequency()
        if field == WORDS:
            for w in itertools.islice(self._words.prefixed(prefix), limit):
                dfs[w] += self._words.counts.get(w, 0)
        return [(t, dfs[t]) for t in sorted(dfs)[:limit]]

    def terms(self, field: str) -> Iterable[tuple[str, int]]:
        if field not in self._reader.schema:
            return ()
        leaves = [r for r, _ in self._reader.leaf_readers()]
        if len(leaves) == 1:
            return ((b.decode("utf-8"), info.doc_frequency()) for b, info in leaves[0].iter_field(field))
        dfs: Counter[bytes] = Counter()  # summed per segment, not through Whoosh's merged iteration
        for leaf in leaves:
            for b, info in leaf.iter_field(field):
                dfs[b] += info.doc_frequency()
        return ((b.decode("utf-8"), n) for b, n in dfs.items())


class DictLexicon:
    """An in-memory lexicon (tests, tools): field -> {term: document frequency}."""

    def __init__(self, fields: dict[str, dict[str, int]]) -> None:
        self._fields = fields
        self._sorted = {f: sorted(terms) for f, terms in fields.items()}

    def df(self, field: str, term: str) -> int:
        return self._fields.get(field, {}).get(term, 0)

    def prefixed(self, field: str, prefix: str) -> Iterator[str]:
        return (t for t in self._sorted.get(field, ()) if t.startswith(prefix))

    def prefixed_df(self, field: str, prefix: str, limit: int) -> list[tuple[str, int]]:
        return [(t, self.df(field, t)) for t in itertools.islice(self.prefixed(field, prefix), limit)]

    def terms(self, field: str) -> Iterable[tuple[str, int]]:
        return self._fields.get(field, {}).items()


def _unique(items: Iterator[str]) -> Iterator[str]:
    last = None
    for item in items:
        if item != last:
            yield item
            last = item


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (a swap of two neighbours is one edit); > limit means far."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        best = i
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            v = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                v = min(v, prev2[j - 2] + 1)
            cur[j] = v
            best = min(best, v)
        if best > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def max_typos(word: str) -> int:
    """How many edits a word of this length may carry and still be recognised."""
    n = len(word)
    return 0 if n < 4 else 1 if n < 8 else 2


MAX_TYPO_TARGET = 40  # letters: longer words are not typo targets (their deletions grow as n²)


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


TypoIndex = tuple[dict[str, list[str]], dict[str, list[str]]]  # (deletions, first-letter buckets)


class Vocabulary:
    """Surface words and stems of an index, for typo correction and completion."""

    def __init__(self, lexicon: Lexicon | None = None) -> None:
        self._lex: Lexicon = lexicon or DictLexicon({})
        self._typo: TypoIndex | None = None  # built on the first unknown word or by a warm-up
        self._memo: dict[tuple, object] = {}  # answers for this searcher's lifetime

    def _cached(self, key: tuple, compute):
        if key not in self._memo:
            if len(self._memo) > 50_000:
                self._memo.clear()
            self._memo[key] = compute()
        return self._memo[key]

    @classmethod
    def from_reader(
        cls, reader: IndexReader, previous: Vocabulary | None = None, words: WordTable | None = None
    ) -> Vocabulary:
        """The vocabulary of a reader (plus the build's ``words``); the typo index of ``previous`` is
        kept (slightly stale after an update, until a warm-up installs a fresh one) so the first typo
        after an edit costs nothing."""
        vocab = cls(ReaderLexicon(reader, words))
        if previous is not None:
            vocab._typo = previous._typo
        return vocab

    def typo_targets(self) -> list[str]:
        """Stems a typo may be corrected to: alphabetic, 3 to MAX_TYPO_TARGET letters (a 1.4M-letter
        word's deletions took 9 GB and counting); reads the lexicon: hold the index's lock."""
        return [
            s for s, df in self._lex.terms(STEMS) if df and 3 <= len(s) <= MAX_TYPO_TARGET and s.isalpha()
        ]

    @staticmethod
    def typo_index(targets: list[str]) -> TypoIndex:
        """The deletion index and first-letter buckets of ``targets`` (pure computation, so it can
        run while searches go on; see KnowledgeIndex.warm_up)."""
        deletions: dict[str, list[str]] = defaultdict(list)
        buckets: dict[str, list[str]] = defaultdict(list)
        for s in targets:
            deletions[s].append(s)
            for d in _deletes(s):
                deletions[d].append(s)
            if len(s) >= 6:
                buckets[s[0]].append(s)
        return dict(deletions), dict(buckets)

    def install_typo_index(self, index: TypoIndex) -> None:
        self._typo = index

    def has_typo_index(self) -> bool:
        return self._typo is not None

    @classmethod
    def build(cls, words: dict[str, int], stem_df: dict[str, int]) -> Vocabulary:
        return cls(DictLexicon({WORDS: words, STEMS: stem_df}))

    def knows_stem(self, s: str) -> bool:
        return self.stem_df(s) > 0

    def stem_df(self, s: str) -> int:
        return self._cached(("df", s), lambda: self._lex.df(STEMS, s))

    def spelling(self, s: str, typed: str | None = None) -> str | None:
        """A dictionary word with this stem, to show a correction: among the indexed words with the
        stem and their lemmas of the same stem, the one closest to what was ``typed``; a lemma
        before other forms, then the commonest (роумниг → «роуминг», not «роуминге»)."""
        return self._cached(("spell", s, typed), lambda: self._spelling(s, typed))

    def _spelling(self, s: str, typed: str | None) -> str | None:
        scanned = dict(self._lex.prefixed_df(WORDS, s, MAX_PREFIX_SCAN))
        forms = [w for w in scanned if stem(w) == s]
        if not forms:
            return None
        lemmas = {lem for lem in map(morphology.lemma, forms) if stem(lem) == s and morphology.is_known(lem)}
        known = {w for w in forms if morphology.is_known(w)}  # the KB's own words may be jargon

        def rank(w: str) -> tuple:
            dist = edit_distance(typed, w, 3) if typed else 0
            df = scanned[w] if w in scanned else self._lex.df(WORDS, w)
            return (dist, w not in lemmas, w not in known, -df, len(w), w)

        return min([*lemmas, *forms], key=rank)

    def completions(self, prefix: str, limit: int = 20) -> list[str]:
        """Words that start with ``prefix`` (a word still being typed), most common first."""
        return self._cached(("prefix", prefix), lambda: self._completions(prefix))[:limit]

    def _completions(self, prefix: str) -> list[str]:
        found = self._lex.prefixed_df(WORDS, prefix, MAX_PREFIX_SCAN)
        found.sort(key=lambda wd: (-wd[1], wd[0]))
        return [w for w, _ in found]

    def near_stems(self, s: str) -> list[tuple[str, int]]:
        """Known stems within the allowed edit distance of ``s`` (first letter kept), closest first."""
        return list(self._cached(("near", s), lambda: self._near_stems(s)))

    def _near_stems(self, s: str) -> list[tuple[str, int]]:
        limit = max_typos(s)
        if limit == 0:
            return []
        found = self._one_edit(s)
        if not found and limit >= 2:
            found = self._scan(s, limit)
        found.sort(key=lambda sd: (sd[1], -self._lex.df(STEMS, sd[0]), sd[0]))
        return found

    def nearest(self, word: str, maxdist: int | None = None) -> list[tuple[str, int]]:
        """Indexed words within edit distance of ``word``, through their stems (closest first)."""
        if maxdist is not None and maxdist < max_typos(word):
            found = [(c, d) for c, d in self.near_stems(stem(word)) if d <= maxdist]
        else:
            found = self.near_stems(stem(word))
        out = []
        for cand, d in found:
            spelled = self.spelling(cand)
            if spelled and spelled != word:
                out.append((spelled, d))
        return out

    def _one_edit(self, s: str) -> list[tuple[str, int]]:
        index = self._typo_index()[0]
        cands: set[str] = set()
        for key in (s, *_deletes(s)):
            cands.update(index.get(key, ()))
        return [(c, 1) for c in cands if c != s and c[0] == s[0] and edit_distance(s, c, 1) <= 1]

    def _scan(self, s: str, limit: int) -> list[tuple[str, int]]:
        out = []
        for cand in self._typo_index()[1].get(s[0], ()):
            if cand != s and abs(len(cand) - len(s)) <= limit:
                d = edit_distance(s, cand, limit)
                if d <= limit:
                    out.append((cand, d))
        return out

    def _typo_index(self) -> TypoIndex:
        """(each stem and each of its one-letter deletions -> the stems that give it, stems of 6+
        letters by first letter), built once."""
        if self._typo is None:
            self._typo = self.typo_index(self.typo_targets())
        return self._typo
