"""The window's current answer: query → search result → chosen hit (or a rule the agent browsed to).

One object owns it (STYLE.md, "The window's state"). The results list, the answer card, the article
view, the contents and the history observe ``changed`` and keep no copy of their own, so they cannot
disagree, and nothing is shown that the current query did not produce: a result for any other text
than the current query is dropped, an empty query or a query that found nothing clears the answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from desktop_app.navigation import Target, target_for_hit

if TYPE_CHECKING:
    from index import Hit, SearchResult

# What the window is showing (Answer.kind)
EMPTY = "empty"  # no query and nothing browsed
PENDING = "pending"  # a query was typed; its result has not arrived yet
NO_ANSWER = "no-answer"  # the query found nothing
ANSWER = "answer"  # one hit is the answer: the search was sure, or the agent chose it
CANDIDATES = "candidates"  # the search was not sure: the agent chooses among a few hits
BROWSED = "browsed"  # a rule, section or article opened from the contents, history, a link, Alt+←/→

MAX_CANDIDATES = 3
# SearchResult.confidence values, as index.results names them (not imported: the window opens before
# the index package is loaded, off the GUI thread; a test checks they agree)
STRONG, WEAK, NONE = "strong", "weak", "none"


@dataclass(frozen=True)
class Answer:
    kind: str = EMPTY
    query: str = ""
    result: SearchResult | None = None
    target: Target | None = None
    hit: Hit | None = None  # the result's hit that ``target`` shows, if it is one of them
    candidates: tuple[Hit, ...] = ()  # for CANDIDATES: the best few hits, one per rule
    ambiguous: bool = False  # CANDIDATES because two lines fit equally well

    @property
    def hits(self) -> list[Hit]:
        return list(self.result.hits) if self.result is not None else []

    @property
    def shows_rule(self) -> bool:
        return self.target is not None and self.kind in (ANSWER, BROWSED)


def confidence(result: SearchResult) -> str:
    """STRONG / WEAK / NONE; hits whose confidence was not computed count as STRONG."""
    if not result.hits:
        return NONE
    return result.confidence if result.confidence in (STRONG, WEAK) else STRONG


def is_ambiguous(result: SearchResult) -> bool:
    """The index says hits on other lines fit about as well as the first (``SearchResult.ambiguous``)."""
    lines = {h.line for h in (result.candidates or result.hits[:MAX_CANDIDATES])}
    return bool(result.ambiguous) and len(lines) > 1


def candidates(result: SearchResult) -> tuple[Hit, ...]:
    """The hits to choose among: the index's candidates (one per line when ambiguous), else the best
    few hits; never two with the same rule or the same text."""
    picked: list[Hit] = []
    for hit in (*result.candidates, *result.hits):
        if all(hit.id != p.id and hit.text != p.text for p in picked):
            picked.append(hit)
    if is_ambiguous(result) and len(result.candidates) > 1:
        return tuple(picked[: len(result.candidates)])  # one per line, as the index chose them
    return tuple(picked[:MAX_CANDIDATES])


def answer_for(query: str, result: SearchResult) -> Answer:
    """The answer a fresh search result gives, before the agent chooses anything."""
    sure = confidence(result)
    if sure == NONE:
        return Answer(NO_ANSWER, query, result)
    if sure == WEAK or is_ambiguous(result):
        return Answer(
            CANDIDATES, query, result, candidates=candidates(result), ambiguous=is_ambiguous(result)
        )
    hit = result.hits[0]
    return Answer(ANSWER, query, result, target_for_hit(hit), hit)


class AnswerState(QObject):
    """Owns the current Answer; ``changed`` fires on every change, ``result_changed`` with a new result."""

    changed = Signal(object)  # Answer
    result_changed = Signal(object)  # SearchResult | None: the list of hits to show

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._answer = Answer()
        self._waiting: list[Callable[[], None]] = []  # acts asked for while the answer was on its way
        self.dropped = 0  # results for an older query text, thrown away

    @property
    def answer(self) -> Answer:
        return self._answer

    def when_answered(self, act: Callable[[], None]) -> None:
        """Do ``act`` now, or once the current query's answer is here (Enter or copy pressed right after
        typing); forgotten when the query changes first."""
        if self._answer.kind == PENDING:
            self._waiting.append(act)
        else:
            act()

    def set_query(self, query: str) -> None:
        """The agent edited the query: until its result arrives nothing new is shown."""
        if query != self._answer.query:
            self._waiting.clear()
        if not query.strip():
            self._set(Answer(query=query), result_changed=self._answer.result is not None)
            return
        if query == self._answer.query:
            return
        self._set(replace(self._answer, kind=PENDING, query=query))

    def set_result(self, result: SearchResult | None) -> bool:
        """A search finished; kept only when it is the current query's. True when it was kept."""
        if result is None:
            if not self._answer.query.strip():
                self._set(Answer(query=self._answer.query), result_changed=True)
                return True
            return False
        if result.query != self._answer.query:
            self.dropped += 1
            return False
        self._set(self._keep_choice(answer_for(result.query, result)), result_changed=True)
        return True

    def _keep_choice(self, fresh: Answer) -> Answer:
        """The same query searched again (the KB changed): what the agent chose or browsed stays."""
        old = self._answer
        if old.kind not in (ANSWER, BROWSED) or old.target is None or old.result is None:
            return fresh
        hit = next((h for h in fresh.hits if target_for_hit(h) == old.target), None)
        return replace(fresh, kind=ANSWER if hit else BROWSED, target=old.target, hit=hit)

    def choose_hit(self, hit: Hit) -> bool:
        """The agent picked one of the current result's hits (list, candidate, Enter)."""
        if self._answer.kind == PENDING or hit not in self._answer.hits:
            return False  # a hit of the previous text's result: not an answer to this query
        target = target_for_hit(hit)
        if self._answer.kind == ANSWER and self._answer.hit == hit:
            return True
        self._set(replace(self._answer, kind=ANSWER, target=target, hit=hit))
        return True

    def browse(self, target: Target) -> None:
        """A rule, section or article opened without the search (contents, history, link, back)."""
        hit = next((h for h in self._answer.hits if target_for_hit(h) == target), None)
        kind = ANSWER if hit is not None and self._answer.kind != PENDING else BROWSED
        self._set(replace(self._answer, kind=kind, target=target, hit=hit))

    def refresh(self) -> None:
        """The KB changed: observers re-read what the answer points at."""
        self.changed.emit(self._answer)

    def _set(self, answer: Answer, result_changed: bool = False) -> None:
        self._answer = answer
        if result_changed:
            self.result_changed.emit(answer.result)
        self.changed.emit(answer)
        if answer.kind != PENDING and self._waiting:
            waiting, self._waiting = self._waiting, []
            for act in waiting:
                act()
