"""Glossary-driven expansion: an abbreviation, its expansion and its variants find each other.

:class:`Synonyms` also carries the KB's customer language for query understanding: the thesaurus
(see index/thesaurus.py) and the words of the rules' phrasings, which a query may use though no
rule text does (they are known words, not typos).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable

from index.analysis import STOP_WORDS, flat_words, normalize, stem, words
from index.thesaurus import CustomerThesaurus, distinct_forms
from kb.model import Article, Glossary, GlossaryEntry, KnowledgeBase, Thesaurus

Form = tuple[str, ...]  # the stems of one way of writing a term: ("лицев", "счет")


def entry_forms(entry: GlossaryEntry) -> list[Form]:
    """Every spelling of an entry as stem tuples: term, variants, then the expansion."""
    texts = [entry.term, *entry.variants]
    if entry.expansion:
        texts.append(entry.expansion.split("(")[0])
    return distinct_forms(texts)


class Synonyms:
    """Lookup from a stem (or a run of stems) to the other forms of the same glossary entry."""

    def __init__(
        self,
        glossary: Glossary,
        thesaurus: Thesaurus | None = None,
        customer_words: Callable[[], Iterable[str]] | None = None,
    ) -> None:
        self.thesaurus = CustomerThesaurus(thesaurus)
        self._customer_words = customer_words
        self._customer_stems: frozenset[str] | None = None
        self._lock = threading.Lock()
        self._groups: list[list[Form]] = []
        self._index: dict[Form, list[int]] = defaultdict(list)
        self._terms: set[str] = set()  # single-word glossary spellings, even without alternatives
        for entry in glossary.entries:
            forms = entry_forms(entry)
            self._terms.update(f[0] for f in forms if len(f) == 1)
            if len(forms) < 2:
                continue
            gid = len(self._groups)
            self._groups.append(forms)
            for form in forms:
                self._index[form].append(gid)
        self.max_len = max((len(f) for f in self._index), default=1)

    @classmethod
    def for_kb(cls, kb: KnowledgeBase) -> Synonyms:
        """The glossary, the thesaurus and the phrasings' words of a knowledge base."""
        return cls(kb.glossary, kb.thesaurus, lambda: phrasing_words(kb))

    def knows(self, stem: str) -> bool:
        """A glossary spelling, or a word of the thesaurus or of the phrasings (stop words aside)."""
        return stem in self._terms or stem in self._customer()

    def warm_up(self) -> None:
        """Build now what the first query would: the thesaurus's phrase table (~0.15 s at 100k rules,
        lemmas included) and the customer stems (every rule's phrasings read once)."""
        _ = self.thesaurus.table
        self._customer()

    def in_glossary(self, stem: str) -> bool:
        """A single-word glossary spelling (the KB's own jargon: сим, ЛС)."""
        return stem in self._terms

    def _customer(self) -> frozenset[str]:
        if self._customer_stems is None:  # read on first use: a KB of 100k rules need not pay at open
            with self._lock:
                if self._customer_stems is None:
                    found = set(self.thesaurus.stems())
                    if self._customer_words is not None:
                        found.update(stem(w) for w in set(self._customer_words()) if w not in STOP_WORDS)
                    self._customer_stems = frozenset(found - {stem(w) for w in STOP_WORDS})
        return self._customer_stems

    def alternatives(self, form: Form) -> list[Form]:
        """The other forms of every glossary entry that contains ``form``."""
        out: list[Form] = []
        for gid in self._index.get(form, ()):
            for other in self._groups[gid]:
                if other != form and other not in out:
                    out.append(other)
        return out

    def __len__(self) -> int:
        return len(self._groups)


def normalized_terms(glossary: Glossary) -> set[str]:
    """Every single-word spelling in the glossary, normalised (for layout decisions)."""
    out = set()
    for entry in glossary.entries:
        for text in (entry.term, *entry.variants):
            out.update(normalize(w.norm) for w in words(text))
    return out


_ARTICLE_WORDS: dict[int, tuple[Article, frozenset[str]]] = {}  # id → (article, its phrasings' words)
_ARTICLE_WORDS_LOCK = threading.Lock()


def phrasing_words(kb: KnowledgeBase) -> Iterable[str]:
    """The normalised words of every rule's phrasings; an article object read before is not read
    again (after an update only the changed articles are)."""
    with _ARTICLE_WORDS_LOCK:
        known = dict(_ARTICLE_WORDS)
    fresh: dict[int, tuple[Article, frozenset[str]]] = {}
    for article in kb.articles:
        entry = known.get(id(article))
        if entry is None or entry[0] is not article:
            entry = (article, _article_words(article))
        fresh[id(article)] = entry
    with _ARTICLE_WORDS_LOCK:
        _ARTICLE_WORDS.clear()  # only the latest KB's articles are kept
        _ARTICLE_WORDS.update(fresh)
    for _, found in fresh.values():
        yield from found


def _article_words(article: Article) -> frozenset[str]:
    return frozenset(
        w
        for section in article.sections
        for rule in section.rules
        for phrasing in rule.phrasings
        for w in flat_words(phrasing)
    )
