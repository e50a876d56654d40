"""«Копировать фразу» and «Копировать текст правила»: what the current answer gives, on the clipboard.

The confirmation shows at the card, the keyboard goes back to the search field, and the history
hears of it. A copy pressed while the query's answer is still on its way waits for that answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QGuiApplication

from desktop_app.answer_card import answer_phrase
from desktop_app.answer_log import COPY, AnswerLog
from desktop_app.answer_state import PENDING, AnswerState

if TYPE_CHECKING:
    from desktop_app.answer_card import AnswerCard
    from desktop_app.status import StatusArea
    from kb.model import KnowledgeBase


class CopyCommands(QObject):
    def __init__(
        self,
        state: AnswerState,
        kb: Callable[[], KnowledgeBase | None],
        card: AnswerCard,
        status: StatusArea,
        answer_log: AnswerLog,
        focus_search: Callable[[], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._state, self._kb, self._card, self._status = state, kb, card, status
        self._log, self._focus_search = answer_log, focus_search

    def copy_phrase(self) -> None:
        self._state.when_answered(self._copy_phrase)  # typed and copied at once: the query's answer

    def _copy_phrase(self) -> None:
        text = answer_phrase(self._state.answer, self._kb())
        if not text:
            self._refused("Нет фразы для копирования: выберите правило")
            return
        self._copied(text, "Фраза скопирована")

    def copy_rule(self) -> None:
        answer, kb = self._state.answer, self._kb()
        rule_id = answer.target.rule_id if answer.target is not None and answer.kind != PENDING else None
        found = kb.find_rule(rule_id) if kb is not None and rule_id else None
        if found is None:
            self._refused("Нет правила для копирования: выберите правило")
            return
        self._copied(found[2].text, "Текст правила скопирован")

    def _copied(self, text: str, confirmation: str) -> None:
        QGuiApplication.clipboard().setText(text)
        self._card.confirm(confirmation)
        self._status.note(f"{confirmation} в буфер обмена")
        self._log.used(self._state.answer, COPY)
        self._focus_search()  # the agent goes on typing

    def _refused(self, why: str) -> None:
        self._status.note(why)
        self._focus_search()


def focus_keeper(widget) -> Callable[[], None]:
    return lambda: widget.setFocus(Qt.FocusReason.OtherFocusReason)
