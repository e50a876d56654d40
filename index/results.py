"""Plain values the index hands out: hits, search results, update reports."""

from __future__ import annotations

from dataclasses import dataclass, field

from kb.model import LoadError

# How sure the search is of its answer (SearchResult.confidence), from the ranking's own signals.
STRONG, WEAK, NONE = "strong", "weak", "none"
# How a hit matched (Hit.match): the words as typed, after a typo/layout fix, through a synonym or
# thesaurus entry, or only some of the query's concepts.
EXACT, CORRECTED, SYNONYM, PARTIAL = "exact", "corrected", "synonym", "partial"


@dataclass(frozen=True)
class Hit:
    """One found rule (or phrase / intro block) with its place in the KB and a highlighted snippet."""

    id: str
    kind: str  # "rule" | "phrase" | "intro"
    article: str
    article_title: str
    line: str
    line_label: str
    section: str
    section_id: str
    number: int | None
    text: str
    snippet: str
    score: float
    coverage: float = 0.0  # idf-weighted share of the query's concepts this hit holds (0..1)
    match: str = ""  # EXACT | CORRECTED | SYNONYM | PARTIAL
    learned: float = 0.0  # the boost agents' earlier choices for this query gave it (index/feedback.py)


@dataclass(frozen=True)
class SearchResult:
    query: str
    corrected: str | None = None
    hits: list[Hit] = field(default_factory=list)
    terms: tuple[str, ...] = ()
    layout_converted: bool = False
    confidence: str = NONE  # STRONG: show the first hit plainly; WEAK: offer candidates; NONE: no hits
    # True when hits fitting about as well as the first, and scoring close to it, lie on other lines:
    # the card shows every line in ``candidates``.
    ambiguous: bool = False
    # The hits the answer card shows (index/confidence.py): STRONG: the first hit, plus one per other
    # line when ambiguous; WEAK: the first few hits; NONE: none.
    candidates: tuple[Hit, ...] = ()


@dataclass(frozen=True)
class UpdateReport:
    """What a refresh changed in the index, and which KB files could not be loaded."""

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    errors: tuple[LoadError, ...] = ()
    rebuilt: bool = False

    @property
    def changed_anything(self) -> bool:
        return bool(self.added or self.changed or self.removed or self.rebuilt)
