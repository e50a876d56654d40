"""The words and stems an index knows: typo correction and prefix completion from its lexicon."""

from __future__ import annotations

import bisect
from collections import defaultdict
from dataclasses import dataclass, field

from whoosh.reading import IndexReader

from index.analysis import stem


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


@dataclass
class Vocabulary:
    """Surface words (with document frequency) and stems of an index."""

    words: dict[str, int] = field(default_factory=dict)
    stems: frozenset[str] = frozenset()
    _sorted: list[str] = field(default_factory=list)
    _by_first: dict[str, list[str]] = field(default_factory=dict)
    _stems_by_first: dict[str, list[str]] = field(default_factory=dict)
    _spelling: dict[str, str] = field(default_factory=dict)  # stem -> its most common word
    stem_df: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_reader(cls, reader: IndexReader) -> Vocabulary:
        words = {}
        if "words" in reader.schema:
            for btext, info in reader.iter_field("words"):
                words[btext.decode("utf-8")] = info.doc_frequency()
        stem_df = {}
        if "content" in reader.schema:
            for btext, info in reader.iter_field("content"):
                stem_df[btext.decode("utf-8")] = info.doc_frequency()
        return cls.build(words, stem_df)

    @classmethod
    def build(cls, words: dict[str, int], stem_df: dict[str, int]) -> Vocabulary:
        stems = frozenset(stem_df)
        by_first: dict[str, list[str]] = defaultdict(list)
        spelling: dict[str, str] = {}
        for w in sorted(words, key=lambda w: (-words[w], w)):
            if w.isalpha():
                by_first[w[0]].append(w)
                spelling.setdefault(stem(w), w)
        stems_by_first: dict[str, list[str]] = defaultdict(list)
        for s in stems:
            if s.isalpha():
                stems_by_first[s[0]].append(s)
        return cls(words, stems, sorted(words), dict(by_first), dict(stems_by_first), spelling, stem_df)

    def knows_stem(self, stem: str) -> bool:
        return stem in self.stems

    def spelling(self, stem: str) -> str | None:
        """The most common indexed word with this stem (to show a correction)."""
        return self._spelling.get(stem)

    def near_stems(self, stem: str) -> list[tuple[str, int]]:
        """Known stems within the allowed edit distance of ``stem`` (first letter kept), closest first."""
        limit = max_typos(stem)
        if limit == 0:
            return []
        found = []
        for cand in self._stems_by_first.get(stem[0], ()):
            if cand != stem and abs(len(cand) - len(stem)) <= limit:
                d = edit_distance(stem, cand, limit)
                if d <= limit:
                    found.append((cand, d))
        found.sort(key=lambda sd: (sd[1], -self.stem_df.get(sd[0], 0), sd[0]))
        return found

    def nearest(self, word: str, maxdist: int | None = None) -> list[tuple[str, int]]:
        """Words within the allowed edit distance (first letter kept), closest and most common first."""
        limit = max_typos(word) if maxdist is None else maxdist
        if limit == 0 or not word:
            return []
        found = []
        for cand in self._by_first.get(word[0], ()):
            if cand != word and abs(len(cand) - len(word)) <= limit:
                d = edit_distance(word, cand, limit)
                if d <= limit:
                    found.append((cand, d))
        found.sort(key=lambda wd: (wd[1], -self.words.get(wd[0], 0), wd[0]))
        return found

    def completions(self, prefix: str, limit: int = 20) -> list[str]:
        """Words that start with ``prefix`` (a word still being typed), most common first."""
        i = bisect.bisect_left(self._sorted, prefix)
        out = []
        while i < len(self._sorted) and self._sorted[i].startswith(prefix) and len(out) < 200:
            out.append(self._sorted[i])
            i += 1
        out.sort(key=lambda w: -self.words.get(w, 0))
        return out[:limit]
