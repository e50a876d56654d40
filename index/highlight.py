"""Highlighting by stem: the words of a text whose stems were searched, whatever their form."""

from __future__ import annotations

import html
from collections.abc import Iterable
from functools import lru_cache

from index.analysis import WORD_RE, index_terms, normalize, stem

SNIPPET_CHARS = 260
# A multi-word alternative is marked word by word, so a weak one (a thesaurus side found through the
# other, «другой страны» for роуминг) would mark «другой» wherever it stands: only strong ones count.
STRONG_PHRASE_BOOST = 0.8


Span = tuple[str, int, int]  # stem, start, end


STEMMED_TEXTS_KEPT = 1024  # ~5.5 KB each (4096 held ~17 MB after the 240-query mix at 100k rules)


@lru_cache(maxsize=STEMMED_TEXTS_KEPT)
def _stemmed(text: str, stems: str = "") -> tuple[tuple[Span, tuple[Span, ...]], ...]:
    """Each word of a text as (stem, start, end) with the same for its parts when it is a compound.

    ``stems``: the text's stems in reading order, compounds split into parts, as a document stores
    them (index/documents.py); when they line up with the words they are taken instead of stemming
    every word again (~90 µs a rule text in a fresh process, where few words are stemmed yet)."""
    normalized = normalize(text)
    if len(normalized) != len(text):  # a rare letter whose lowercase is longer: the careful path
        return _stemmed_terms(text)
    found = [(m.group(), *m.span()) for m in WORD_RE.finditer(normalized)]
    given = stems.split()
    if len(given) != sum(len(_parts(norm)) for norm, _, _ in found):
        given = [stem(p) for norm, _, _ in found for p in _parts(norm)]
    out: list[tuple[Span, tuple[Span, ...]]] = []
    at = 0
    for norm, start, end in found:
        if "-" not in norm:
            out.append(((given[at], start, end), ()))
            at += 1
            continue
        parts = _part_spans(norm, start, given[at:])
        at += len(parts)
        out.append((("-".join(p[0] for p in parts), start, end), parts))
    return tuple(out)


def _parts(word: str) -> list[str]:
    return [p for p in word.split("-") if p] if "-" in word else [word]


def _part_spans(compound: str, start: int, stems: list[str]) -> tuple[Span, ...]:
    """The parts of a compound with their stems (``stems`` from its first part on) and spans."""
    out = []
    for part in compound.split("-"):
        if part:
            out.append((stems[len(out)], start, start + len(part)))
        start += len(part) + 1
    return tuple(out)


def _stemmed_terms(text: str) -> tuple[tuple[Span, tuple[Span, ...]], ...]:
    out: list[tuple[Span, list[Span]]] = []
    compound_end = -1
    for term, start, end in index_terms(text):  # a compound comes first, then its parts
        if start < compound_end:
            out[-1][1].append((stem(term), start, end))
            continue
        out.append(((stem(term), start, end), []))
        compound_end = end if "-" in term else -1
    return tuple((whole, tuple(parts)) for whole, parts in out)


def highlight_terms(plan) -> tuple[str, ...]:
    """The stems worth marking for a query plan (index.query.QueryPlan): every single-word
    alternative, and the words of multi-word alternatives that are the query itself or a strong synonym."""
    seen: dict[str, None] = {}
    for concept in plan.concepts:
        for alt in concept.alternatives:
            if len(alt.stems) == 1 or alt.boost >= STRONG_PHRASE_BOOST:
                seen.update(dict.fromkeys(alt.stems))
    return tuple(seen)


def match_spans(text: str, terms: Iterable[str], stems: str = "") -> list[tuple[int, int]]:
    """Character spans of the words (or compound parts) in ``text`` whose stems are in ``terms``
    (``stems``: the text's stored stems, see ``_stemmed``)."""
    wanted = set(terms)
    if not wanted or not text:
        return []
    spans: list[tuple[int, int]] = []
    for (whole, start, end), parts in _stemmed(text, stems):
        if whole in wanted:
            spans.append((start, end))
        else:
            spans.extend((s, e) for p, s, e in parts if p in wanted)
    return spans


def _window(text: str, spans: list[tuple[int, int]], size: int) -> tuple[int, int]:
    """The ``size``-character window that holds the most matched words."""
    if len(text) <= size:
        return 0, len(text)
    best_start, best_count = 0, -1
    for start, _ in spans:
        lo = max(0, start - size // 4)
        count = sum(1 for s, e in spans if s >= lo and e <= lo + size)
        if count > best_count:
            best_start, best_count = lo, count
    lo = best_start
    if lo > 0:
        space = text.find(" ", lo)
        lo = space + 1 if 0 <= space < lo + 20 else lo
    hi = min(len(text), lo + size)
    if hi < len(text):
        space = text.rfind(" ", lo, hi)
        hi = space if space > lo + size // 2 else hi
    return lo, hi


def snippet(text: str, terms: Iterable[str], size: int = SNIPPET_CHARS, stems: str = "") -> str:
    """HTML-escaped text (or its best window) with the matched words in <b>…</b> (``stems``: the
    text's stored stems, see ``_stemmed``)."""
    spans = match_spans(text, terms, stems)
    lo, hi = _window(text, spans, size)
    out, pos = [], lo
    for s, e in spans:
        if s < lo or e > hi:
            continue
        out.append(html.escape(text[pos:s], quote=False))
        out.append(f"<b>{html.escape(text[s:e], quote=False)}</b>")
        pos = e
    out.append(html.escape(text[pos:hi], quote=False))
    return ("…" if lo > 0 else "") + "".join(out) + ("…" if hi < len(text) else "")
