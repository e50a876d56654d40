"""Query understanding: from what an agent typed to concepts, each a set of weighted alternatives.

Steps, in order: cut to a sane size → choose the keyboard layout per chunk by the index vocabulary
→ words → typo correction and completion of unknown words → glossary synonyms → customer thesaurus
→ place and operator names → lemmas → how informative each concept is → stop words.
No user text ever reaches a query parser: the Whoosh query is built from terms.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from index import morphology, world
from index.analysis import STOP_WORDS, Word, normalize, stem, words
from index.layout import swap_layout
from index.synonyms import Form, Synonyms
from index.thesaurus import PhraseTable, query_keys
from index.vocabulary import Vocabulary

MAX_QUERY_CHARS = 400
MAX_CHUNKS = 32  # a pasted sentence keeps its informative words (12 cut «…в турции мтс списывает…»)
MAX_TOKENS = 40
THESAURUS_BOOST = 0.8  # the other side of a customer-language entry, below the words themselves
SPAN_WORD_BOOST = 0.7  # one word of a multi-word entry alone
THESAURUS_GAP = 0  # words allowed inside a thesaurus phrase (сняли с меня деньги); 1 or 2: no gain on dev
PLACE_BOOST = 0.7  # a country or a foreign city → being abroad
OPERATOR_BOOST = 0.6  # another operator's name → leaving for it
LEMMA_BOOST = 0.85  # the lemma's stem where Snowball gives another one (ушел → уйти)
KNOWN_LEMMA_BOOST = 0.4  # the same for a word the index knows: weak, the word itself was found
NUMBER_WEIGHT = 0.15  # how much a number or an amount counts towards covering the query
FUNCTION_WEIGHT = 0.25  # a pronoun, particle, numeral word … (by the morphology dictionary)
OWN_NAME_WEIGHT = 0.1  # the operator's own name: every rule is about it
TYPO_BOOST = {1: 0.75, 2: 0.55}
COMPLETION_BOOST = 0.6
SYNONYM_BOOST = 0.9
RELATED_BOOST = 0.5
RELATED_MIN_PREFIX = 5
MAX_RELATED = 5
MAX_PART_VARIANTS = 9
PART_BOOST = 0.5
MAX_COMPLETIONS = 8


@dataclass(frozen=True)
class Alternative:
    """One way a concept may appear in a document: all of ``stems``, scored with ``boost``."""

    stems: Form
    boost: float = 1.0


@dataclass
class Concept:
    """One thing the agent asked about (a word, a compound, an abbreviation with its expansion)."""

    label: str
    alternatives: list[Alternative] = field(default_factory=list)
    stop: bool = False
    weight: float = 1.0  # how much finding it counts in coverage (numbers and fillers count little)

    def add(self, stems: Form, boost: float) -> None:
        if stems and all(a.stems != stems for a in self.alternatives):
            self.alternatives.append(Alternative(stems, boost))


@dataclass
class QueryPlan:
    query: str
    concepts: list[Concept]
    corrected: str | None
    layout_converted: bool


@dataclass
class _Token:
    word: Word
    shown: str  # the spelling to show in a correction
    corrected: bool = False

    @cached_property
    def keys(self) -> frozenset[str]:
        """What names of a phrase table match this word by (thesaurus.query_keys), worked out once
        for the thesaurus, place and operator tables alike."""
        return query_keys(self.word.norm)


def _word_score(word: str, vocab: Vocabulary, syn: Synonyms) -> float:
    """How well one word fits the index: known stem > near a known word > a known prefix."""
    if word.isdigit():
        return 0.0
    stems = [stem(p) for p in word.split("-") if p]
    if stems and all(vocab.knows_stem(s) or syn.knows(s) for s in stems):
        return 1.0
    if word in STOP_WORDS:
        return 0.5
    if morphology.is_known(word):  # a Russian dictionary word was typed on the right layout (сижу ≠ cb;e)
        return 1.0
    if len(word) >= 5 and vocab.nearest(word, 1):
        return 0.5
    if len(word) >= 3 and vocab.completions(word, 1):
        return 0.3
    return 0.0


def _chunk_score(chunk: str, vocab: Vocabulary, syn: Synonyms) -> float:
    return sum(_word_score(w.norm, vocab, syn) for w in words(chunk))


def _better(other: str, chunk: str, vocab: Vocabulary, syn: Synonyms) -> bool:
    """Whether the other layout's text fits the index better than the chunk as typed."""
    typed = _chunk_score(chunk, vocab, syn)
    if typed >= len(words(chunk)):  # every word already known: nothing to gain
        return False
    return _chunk_score(other, vocab, syn) > typed


def _chunks(query: str) -> list[str]:
    """The whitespace chunks to read, at most ``MAX_CHUNKS``: a longer text loses its stop words first."""
    chunks = query.split()
    if len(chunks) > MAX_CHUNKS:
        chunks = [c for c in chunks if normalize(c.strip(".,;:!?«»\"'()")) not in STOP_WORDS]
    return chunks[:MAX_CHUNKS]


def choose_layout(query: str, vocab: Vocabulary, syn: Synonyms) -> tuple[str, bool]:
    """Each whitespace chunk as typed, or converted to the other layout when that fits the index better."""
    out, converted = [], False
    for chunk in _chunks(query):
        other = swap_layout(chunk)
        if other is not None and _better(other, chunk, vocab, syn):
            out.append(other)
            converted = True
        else:
            out.append(chunk)
    return " ".join(out), converted


def _correct(token: _Token, vocab: Vocabulary, concept: Concept) -> None:
    """Add typo corrections or completions for a word the index does not know.

    A real dictionary word (index/morphology.py) is never shown as corrected: its near vocabulary
    words and completions are added only as weak alternatives (below every other kind, so
    index/confidence.py does not count them as the word found)."""
    from index.morphology import is_known  # pymorphy3 loads on the first unknown word only

    norm = token.word.norm
    root = stem(norm)
    known = all(is_known(p) for p in token.word.parts) if token.word.parts else False
    damp = 0.4 if known else 1.0  # 0.75 → 0.3: a correct word's near words are no correction
    near = vocab.near_stems(root) or [(stem(w), d) for w, d in vocab.nearest(norm)]
    if near:
        best = near[0][1]
        for cand, dist in near:
            if dist == best:
                concept.add((cand,), TYPO_BOOST[dist] * damp)
        if not known:
            token.shown, token.corrected = vocab.spelling(near[0][0], norm) or near[0][0], True
        return
    for prefix in _prefixes(norm, root):
        found = vocab.completions(prefix, MAX_COMPLETIONS)
        if found:
            for cand in found:
                concept.add((stem(cand),), COMPLETION_BOOST * (0.5 if known else 1.0))
            return


def _prefixes(norm: str, root: str) -> list[str]:
    """What an unknown word may begin: itself (still being typed), its stem, the stem shortened a little."""
    if len(norm) < 3 or norm.isdigit():
        return []
    out = [norm]
    shortest = max(5, round(len(root) * 0.7))
    out += [root[:n] for n in range(len(root), shortest - 1, -1) if root[:n] != norm]
    return out


@dataclass
class _Span:
    """The concept made of tokens ``start`` … ``end - 1``."""

    start: int
    end: int
    concept: Concept


def _concepts_for(tokens: list[_Token], vocab: Vocabulary, syn: Synonyms) -> list[_Span]:
    spans: list[_Span] = []
    i = 0
    while i < len(tokens):
        span = _glossary_span(tokens, i, syn)
        if span:
            concept = Concept(" ".join(t.word.norm for t in tokens[i : i + span]))
            form = tuple(stem(t.word.norm) for t in tokens[i : i + span])
            concept.add(form, 1.0)
            for alt in syn.alternatives(form):
                concept.add(alt, SYNONYM_BOOST)
            spans.append(_Span(i, i + span, concept))
            i += span
            continue
        spans.append(_Span(i, i + 1, _word_concept(tokens[i], vocab, syn)))
        i += 1
    return spans


def _glossary_span(tokens: list[_Token], i: int, syn: Synonyms) -> int:
    """Length (≥ 2) of a multi-word glossary form starting at token i, or 0."""
    for n in range(min(syn.max_len, len(tokens) - i), 1, -1):
        form = tuple(stem(t.word.norm) for t in tokens[i : i + n])
        if all("-" not in s for s in form) and syn.alternatives(form):
            return n
    return 0


def _word_concept(token: _Token, vocab: Vocabulary, syn: Synonyms) -> Concept:
    word = token.word
    concept = Concept(word.norm, stop=word.norm in STOP_WORDS and not syn.knows(stem(word.norm)))
    whole = stem(word.norm)
    parts = tuple(stem(p) for p in word.parts)
    if word.is_compound:
        concept.add((whole,), 1.0)
        concept.add(parts, 0.9)
    else:
        concept.add((whole,), 1.0)
    for form in [(whole,), parts] if word.is_compound else [(whole,)]:
        for alt in syn.alternatives(form):
            concept.add(alt, SYNONYM_BOOST)
    if word.is_compound:
        _add_part_variants(parts, syn, concept)
        for part in parts:  # one part alone still says something (смс-рассылка → SMS)
            concept.add((part,), PART_BOOST)
    known = all(vocab.knows_stem(s) or syn.knows(s) for s in parts) or vocab.knows_stem(whole)
    if not known and not concept.stop and not word.norm.isdigit():
        _correct(token, vocab, concept)
    if not concept.stop and not word.is_compound:
        _add_related(word.norm, vocab, concept)
    return concept


def _add_part_variants(parts: Form, syn: Synonyms, concept: Concept) -> None:
    """A compound whose parts have glossary variants: сим-карта also as sim-карта and sim + карта."""
    options = [[p, *(a[0] for a in syn.alternatives((p,)) if len(a) == 1)] for p in parts]
    if all(len(o) == 1 for o in options):
        return
    for combo in itertools.islice(itertools.product(*options), 1, MAX_PART_VARIANTS):
        concept.add(("-".join(combo),), SYNONYM_BOOST)
        concept.add(tuple(combo), SYNONYM_BOOST * 0.9)


def _add_related(norm: str, vocab: Vocabulary, concept: Concept) -> None:
    """Words of the same root the stemmer keeps apart (курьер / курьерскую, отменить / отмена)."""
    if len(norm) < RELATED_MIN_PREFIX or not norm.isalpha():
        return
    prefix = norm[: max(RELATED_MIN_PREFIX, len(norm) - 3)]
    for cand in vocab.completions(prefix, MAX_RELATED):
        if len(cand) <= len(norm) + 4:
            concept.add((stem(cand),), RELATED_BOOST)


def _phrase_matches(
    table: PhraseTable, keys: list[frozenset[str]], max_gap: int
) -> list[tuple[tuple[int, ...], list[tuple[Form, float]]]]:
    """(the positions of its words, the forms it stands for with their factors) of each name of
    ``table`` in the query, longest first, never sharing a word."""
    out, used = [], set()
    for i in range(len(keys)):
        if i in used:
            continue
        at, values = table.match(keys, i, max_gap)
        if at and not used.intersection(at):
            out.append((at, [f for v in values for f in v]))
            used.update(at)
    return out


def _merge(spans: list[_Span], at: tuple[int, ...], tokens: list[_Token]) -> _Span | None:
    """The spans of the tokens at ``at`` made one concept (None when a glossary span reaches beyond
    them): the words together, or each of them alone at ``SPAN_WORD_BOOST``. Words in between stay
    concepts of their own."""
    wanted = set(at)
    inside = [k for k, s in enumerate(spans) if wanted.issuperset(range(s.start, s.end))]
    if {i for k in inside for i in range(spans[k].start, spans[k].end)} != wanted:
        return None
    if len(inside) == 1:
        return spans[inside[0]]
    words_at = [tokens[i].word.norm for i in at]
    merged = Concept(" ".join(words_at))
    merged.add(tuple(stem(w) for w in words_at if w not in STOP_WORDS), 1.0)
    for k in inside:
        if not spans[k].concept.stop:
            for alt in spans[k].concept.alternatives:
                merged.add(alt.stems, alt.boost * SPAN_WORD_BOOST)
    first = inside[0]
    for k in reversed(inside):
        del spans[k]
    spans.insert(first, _Span(at[0], at[-1] + 1, merged))
    return spans[first]


def _expand_names(
    tokens: list[_Token],
    spans: list[_Span],
    table: PhraseTable,
    boost: float,
    max_gap: int = 0,
    accept: Callable[[list[str]], bool] | None = None,
) -> None:
    """Each name of ``table`` in the query brings its forms (when ``accept`` takes its words)."""
    if not table or not tokens:
        return
    keys = [t.keys for t in tokens]
    for at, forms in _phrase_matches(table, keys, max_gap):
        if accept is not None and not accept([tokens[i].word.norm for i in at]):
            continue
        span = _merge(spans, at, tokens)
        if span is None:
            continue
        span.concept.stop = False
        for form, factor in forms:
            span.concept.add(form, boost * factor)


def _may_be_place(names: list[str]) -> bool:
    """A place name's words in the query: one of them read as a place, or unknown to the dictionary
    (данных is not Дания, почти is no place)."""
    return any(morphology.is_geographic(w) or not morphology.is_known(w) for w in names)


def customer_language(tokens: list[_Token], spans: list[_Span], syn: Synonyms) -> None:
    """The KB's thesaurus: customer wording brings the procedure's, and the other way round."""
    table = syn.thesaurus.table if syn.thesaurus else PhraseTable()
    _expand_names(tokens, spans, table, THESAURUS_BOOST, max_gap=THESAURUS_GAP)


def world_names(tokens: list[_Token], spans: list[_Span]) -> None:
    """Countries and foreign cities mean being abroad; other operators' names mean leaving for them."""
    places, operators = world.tables()
    _expand_names(tokens, spans, places, PLACE_BOOST, accept=_may_be_place)
    _expand_names(tokens, spans, operators, OPERATOR_BOOST)


def lemmas(tokens: list[_Token], spans: list[_Span], vocab: Vocabulary) -> None:
    """A word whose lemma stems to another known stem finds that stem too (where Snowball fails on a
    colloquial form: ушел → уйти): a word the index does not know at ``LEMMA_BOOST``, a known one
    (ушли, known from a phrasing, still finds уйти) at ``KNOWN_LEMMA_BOOST``."""
    for span in spans:
        if span.end - span.start != 1 or span.concept.stop:
            continue
        norm = tokens[span.start].word.norm
        if not norm.isalpha() or len(norm) < 3:
            continue
        lemma_stem = stem(normalize(morphology.lemma(norm)))
        if lemma_stem != stem(norm) and vocab.knows_stem(lemma_stem):
            boost = KNOWN_LEMMA_BOOST if vocab.knows_stem(stem(norm)) else LEMMA_BOOST
            span.concept.add((lemma_stem,), boost)


def informativeness(tokens: list[_Token], spans: list[_Span], syn: Synonyms) -> None:
    """Numbers, function words and the operator's own name count little towards covering a query;
    the glossary's jargon is never a function word (сим is not the pronoun сей)."""
    for span in spans:
        if span.end - span.start != 1:
            continue
        norm = tokens[span.start].word.norm
        if any(ch.isdigit() for ch in norm):
            span.concept.weight = NUMBER_WEIGHT
        elif norm in world.OWN_NAMES:
            span.concept.weight = OWN_NAME_WEIGHT
        elif morphology.is_function_word(norm) and not syn.in_glossary(stem(norm)):
            span.concept.weight = FUNCTION_WEIGHT


def _distinct(concepts: list[Concept]) -> list[Concept]:
    """A word said twice counts once."""
    seen: set[str] = set()
    out = []
    for concept in concepts:
        if concept.label not in seen:
            seen.add(concept.label)
            out.append(concept)
    return out


def clean(query: str) -> str:
    """Compatibility forms folded (NFKC), stress marks, soft hyphens and zero-width characters dropped."""
    text = unicodedata.normalize("NFKC", query[: MAX_QUERY_CHARS * 2])
    return "".join(ch for ch in text if unicodedata.category(ch) not in ("Mn", "Cf", "Cs"))[:MAX_QUERY_CHARS]


def understand(query: str, vocab: Vocabulary, syn: Synonyms) -> QueryPlan:
    """Turn raw input into a plan of concepts; never raises for any string."""
    raw = clean(query)
    text, converted = choose_layout(raw, vocab, syn)
    tokens = [_Token(w, w.norm) for w in words(text)][:MAX_TOKENS]
    spans = _concepts_for(tokens, vocab, syn)
    customer_language(tokens, spans, syn)
    world_names(tokens, spans)
    lemmas(tokens, spans, vocab)
    informativeness(tokens, spans, syn)
    concepts = _distinct([s.concept for s in spans])
    if any(not c.stop for c in concepts):
        concepts = [c for c in concepts if not c.stop]
    typo = any(t.corrected for t in tokens)
    corrected = " ".join(t.shown for t in tokens) if (typo or converted) and tokens else None
    return QueryPlan(query=query, concepts=concepts, corrected=corrected, layout_converted=converted)
