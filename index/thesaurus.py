"""Customer language ↔ procedure wording: multi-word forms matched by word forms, in both directions.

A :class:`PhraseTable` finds known multi-word names in a run of query words by their stems, or by the
stems of their lemmas (Snowball keeps ``египте`` and ``египет`` apart, the lemma does not), longest
span first. :class:`CustomerThesaurus` is one such table over ``kb.thesaurus``: a span that matches
one side of an entry gives the forms of the other side.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache

from index import morphology
from index.analysis import STOP_WORDS, normalize, stem, words
from kb.model import Thesaurus

Form = tuple[str, ...]
MAX_SPAN = 5  # longer names are not looked for
# Factors on the thesaurus boost: customer wording finds the procedure's at 1; the procedure's wording
# finds the customers' (which only phrasings hold) and a side finds its other spellings for less.
TO_COLLOQUIAL = 0.5
SAME_SIDE = 0.5
FILLER = "~"  # a query word's key when it may stand inside a phrase (see ``query_keys``)
MAX_FILLERS = 2  # filler words allowed between two words of a name
UNINFLECTED_MARK = "="  # the key of a word without forms is the word itself, never a stem


def word_keys(word: str) -> frozenset[str]:
    """The stems a normalised word is matched by: its own, its lemma's and its derivational family's;
    a word without forms only by itself (почти is not почта)."""
    if morphology.is_uninflected(word):
        return frozenset((UNINFLECTED_MARK + word,))
    family = (stem(normalize(w)) for w in morphology.family(word))
    return frozenset((stem(word), stem(normalize(morphology.lemma(word))), *family))


def query_keys(word: str) -> frozenset[str]:
    """A query word's keys: :func:`word_keys`, and ``FILLER`` for a pronoun or preposition, which a
    name may step over."""
    keys = word_keys(word)
    return keys | {FILLER} if morphology.is_filler(word) else keys


def name_words(text: str) -> list[str]:
    """The normalised words of a name, compounds split into parts."""
    return [p for w in words(text) for p in w.parts]


def content_form(text: str) -> Form:
    """The stems a document must hold for a name: its words without stop words (all if only those)."""
    parts = name_words(text)
    content = [stem(p) for p in parts if p not in STOP_WORDS]
    return tuple(content or (stem(p) for p in parts))


class PhraseTable:
    """Names (one or several words) with a value each, found in word sequences by stems or lemmas."""

    def __init__(self) -> None:
        self._names: dict[str, list[tuple[tuple[frozenset[str], ...], int]]] = defaultdict(list)
        self._values: list[object] = []
        self.max_len = 0

    def add(self, name: str, value: object, lemmas: bool = True) -> None:
        """``lemmas=False``: the name is in its dictionary form already, its stems are enough (a
        query word is looked up by its lemma's stem too)."""
        keys = tuple(word_keys(w) if lemmas else frozenset((stem(w),)) for w in name_words(name))
        if not keys or len(keys) > MAX_SPAN:
            return
        vid = len(self._values)
        self._values.append(value)
        for first in keys[0]:
            self._names[first].append((keys, vid))
        self.max_len = max(self.max_len, len(keys))

    def match(
        self, keys: Sequence[frozenset[str]], start: int, max_gap: int = 0
    ) -> tuple[tuple[int, ...], list[object]]:
        """The longest name whose first word is ``keys[start]``, each next word at most ``max_gap``
        words after the one before (сняли *с меня* деньги): (the positions of its words, its
        values), or ((), [])."""
        best: tuple[int, ...] = ()
        values: list[object] = []
        candidates = {id(c): c for k in keys[start] for c in self._names.get(k, ())}
        for name, vid in candidates.values():
            found = _positions(name, keys, start, max_gap)
            if not found or len(found) < len(best):
                continue
            if len(found) > len(best) or found[-1] < best[-1]:
                best, values = found, []
            if found == best:
                values.append(self._values[vid])
        return best, values

    def __bool__(self) -> bool:
        return bool(self._values)


def _positions(
    name: tuple[frozenset[str], ...], keys: Sequence[frozenset[str]], start: int, max_gap: int
) -> tuple[int, ...]:
    """Where the words of ``name`` stand in ``keys`` from ``start`` on (each as soon as it can, past
    ``max_gap`` words of any kind and ``MAX_FILLERS`` fillers), or ()."""
    at = [start]
    for word in name[1:]:
        nxt = _next_position(word, keys, at[-1] + 1, max_gap)
        if nxt is None:
            return ()
        at.append(nxt)
    return tuple(at)


def _next_position(word: frozenset[str], keys: Sequence[frozenset[str]], i: int, max_gap: int) -> int | None:
    gap = fillers = 0
    while i < len(keys):
        if word & keys[i]:
            return i
        if FILLER in keys[i] and fillers < MAX_FILLERS:
            fillers += 1
        elif gap < max_gap:
            gap += 1
        else:
            return None
        i += 1
    return None


class CustomerThesaurus:
    """``kb.thesaurus`` as a phrase table: each side of an entry finds the other side's forms (values:
    lists of (form, factor on the thesaurus boost))."""

    def __init__(self, thesaurus: Thesaurus | None = None) -> None:
        self._thesaurus = thesaurus or Thesaurus()
        self._entries = self._thesaurus.entries
        self._table: PhraseTable | None = None

    @property
    def table(self) -> PhraseTable:
        """Built on first use (lemmas load the morphology dictionary), once per distinct thesaurus:
        an update that leaves thesaurus.md alone does not build it again."""
        if self._table is None:  # hashing the whole thesaurus is not for every query
            self._table = _table_of(self._thesaurus)
        return self._table

    def __bool__(self) -> bool:
        return bool(self._entries)

    def stems(self) -> frozenset[str]:
        """Every content stem the thesaurus holds (words a query may use that no rule does)."""
        return _stems_of(self._thesaurus)


@lru_cache(maxsize=4)
def _stems_of(thesaurus: Thesaurus) -> frozenset[str]:
    texts = (text for e in thesaurus.entries for text in (*e.colloquial, *e.formal))
    return frozenset(s for text in texts for s in content_form(text))


@lru_cache(maxsize=4)
def _table_of(thesaurus: Thesaurus) -> PhraseTable:
    return _table(thesaurus.entries)


def _table(entries: Iterable) -> PhraseTable:
    """Each text of an entry → the forms of the other side and of its own side, with their factors."""
    table = PhraseTable()
    for entry in entries:
        colloquial = distinct_forms(entry.colloquial)
        formal = distinct_forms(entry.formal)
        for text in entry.colloquial:
            own = content_form(text)
            table.add(
                text, _weighted(formal, 1.0) + _weighted([f for f in colloquial if f != own], SAME_SIDE)
            )
        for text in entry.formal:
            own = content_form(text)
            others = _weighted([f for f in formal if f != own], SAME_SIDE)
            table.add(text, _weighted(colloquial, TO_COLLOQUIAL) + others)
    return table


def _weighted(forms: list[Form], factor: float) -> list[tuple[Form, float]]:
    return [(f, factor) for f in forms] if factor > 0 else []


def distinct_forms(texts: Iterable[str]) -> list[Form]:
    """The content forms of texts, each once, in order; texts without words left out."""
    out: list[Form] = []
    for text in texts:
        form = content_form(text)
        if form and form not in out:
            out.append(form)
    return out
