"""Where the article view points (a rule, a section or an article) and back/forward history."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from kb.model import KnowledgeBase

if TYPE_CHECKING:
    from index import Hit

MAX_STEPS = 100


@dataclass(frozen=True)
class Target:
    article_id: str
    anchor: str | None = None  # anchor to scroll to: a rule id or "<article>/<section>"
    rule_id: str | None = None  # set when the target is one rule


def target_for_hit(hit: Hit) -> Target:
    if hit.kind == "rule":
        return Target(hit.article, hit.id, hit.id)
    anchor = f"{hit.article}/{hit.section_id}" if hit.section_id else hit.article
    return Target(hit.article, anchor, None)


def target_for_anchor(kb: KnowledgeBase, anchor: str) -> Target | None:
    """Resolve an in-article link or a stored id: a rule id, "<article>/<section>" or an article id."""
    anchor = anchor.lstrip("#")
    if kb.find_rule(anchor):
        return Target(anchor.split("/", 1)[0], anchor, anchor)
    article_id, _, section_id = anchor.partition("/")
    article = kb.article(article_id)
    if article is None:
        return None
    if section_id and any(s.id == section_id for s in article.sections):
        return Target(article_id, anchor, None)
    return Target(article_id, article_id, None)


class NavHistory:
    """Browser-style back/forward over visited targets."""

    def __init__(self) -> None:
        self._items: list[Target] = []
        self._pos = -1

    def visit(self, target: Target) -> None:
        if self.current() == target:
            return
        del self._items[self._pos + 1 :]
        self._items.append(target)
        self._items = self._items[-MAX_STEPS:]
        self._pos = len(self._items) - 1

    def current(self) -> Target | None:
        return self._items[self._pos] if self._pos >= 0 else None

    def can_back(self) -> bool:
        return self._pos > 0

    def can_forward(self) -> bool:
        return self._pos < len(self._items) - 1

    def back(self) -> Target | None:
        if not self.can_back():
            return None
        self._pos -= 1
        return self._items[self._pos]

    def forward(self) -> Target | None:
        if not self.can_forward():
            return None
        self._pos += 1
        return self._items[self._pos]
