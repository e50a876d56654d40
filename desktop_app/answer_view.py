"""Draws the current Answer in every pane: list selection, card, article view, contents, pin.

The panes take what they show from here and from nowhere else, so they cannot disagree.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject

from desktop_app.answer_state import CANDIDATES, EMPTY, NO_ANSWER, PENDING, Answer, AnswerState
from desktop_app.article_view import EMPTY_HTML, NOTICE, ArticleView

if TYPE_CHECKING:
    from desktop_app.answer_card import AnswerCard
    from desktop_app.results_panel import ResultsPanel
    from desktop_app.toc import TocView
    from kb.model import KnowledgeBase


def no_answer_html(query: str) -> str:
    return NOTICE.format(
        title=f"Нет ответа по запросу «{html.escape(query.strip())}».",
        body="Спросите клиента, что именно случилось, и введите его слова; или найдите правило в"
        " оглавлении (Ctrl+2).",
    )


def candidates_html(answer: Answer) -> str:
    count = len(answer.candidates)
    title = "Подходят разные линии: уточните у клиента." if answer.ambiguous else "Точного совпадения нет."
    return NOTICE.format(
        title=f"{title} Выберите правило.",
        body=f"Варианты — в карточке выше (щелчок или Alt+1…{count}) и в списке слева (↓ / ↑, Enter)."
        " Статья откроется, когда вы выберете правило.",
    )


class AnswerPresenter(QObject):
    """Observes the AnswerState and draws each change in every pane."""

    def __init__(
        self,
        state: AnswerState,
        results: ResultsPanel,
        card: AnswerCard,
        article_view: ArticleView,
        toc: TocView,
        kb: Callable[[], KnowledgeBase | None],
        favourites: Callable[[], list[str]],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._results, self._card, self._view, self._toc = results, card, article_view, toc
        self._kb, self._favourites = kb, favourites
        state.result_changed.connect(results.show_result)
        state.changed.connect(self.draw)

    def draw(self, answer: Answer) -> None:
        kb = self._kb()
        self._results.show_selection(answer.hit if answer.kind != PENDING else self._results.current_hit())
        self._card.show_answer(answer, kb)
        if answer.kind == PENDING:
            return  # the previous answer stays until the new one is here (the card says «Ищу…»)
        if answer.shows_rule and kb is not None:
            self._show_article(answer, kb)
        elif answer.kind == NO_ANSWER:
            self._view.show_notice(no_answer_html(answer.query))
        elif answer.kind == CANDIDATES:
            self._view.show_notice(candidates_html(answer))
        elif answer.kind == EMPTY:
            self._view.show_notice(EMPTY_HTML)

    def _show_article(self, answer: Answer, kb: KnowledgeBase) -> None:
        target = answer.target
        article = kb.article(target.article_id)
        if article is None:
            self._view.show_notice(
                NOTICE.format(title="Статья не найдена.", body=html.escape(target.article_id))
            )
            return
        terms = tuple(answer.result.terms) if answer.result is not None else ()
        self._view.show_article(
            article, kb.glossary, target.rule_id, target.anchor, _highlighter(terms), terms, kb.root
        )
        self._card.set_pinned(bool(target.rule_id) and target.rule_id in self._favourites())
        self._toc.reveal(target.anchor)


def _highlighter(terms: tuple[str, ...]):
    if not terms:
        return None
    from index import match_spans

    return lambda text: match_spans(text, terms)
