"""What the agent actually used: rules opened, viewed for a while or copied, and queries that found nothing.

It observes the AnswerState and is told about explicit acts (Enter, copy); it writes the recent
queries and rules (History tab) and, when there is one, the query memory (desktop_app/learning.py).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer

from desktop_app.answer_state import ANSWER, BROWSED, NO_ANSWER, Answer, AnswerState
from desktop_app.settings import AppSettings

log = logging.getLogger(__name__)

VIEWED_MS = 2000  # an answer that stood this long was read: it goes into the history
OPEN, COPY = "open", "copy"


class AnswerLog(QObject):
    """Records opened, viewed and copied answers, and final no-result queries."""

    def __init__(
        self,
        state: AnswerState,
        settings: AppSettings,
        on_history: Callable[[], None],
        memory: Any = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._state, self._settings, self._on_history = state, settings, on_history
        self.memory = memory  # learning.QueryMemory, or None until that module is there
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(VIEWED_MS)
        self._timer.timeout.connect(self._stood)
        self._watched: Answer | None = None
        self._logged: set[tuple[str, str, str]] = set()  # (query, rule or "", act): once per query
        state.changed.connect(self._on_changed)

    def _on_changed(self, answer: Answer) -> None:
        if self._watched is not None and self._watched.query != answer.query:
            self._logged.clear()  # a new query: its answers are new acts
        self._watched = answer
        if answer.kind in (ANSWER, BROWSED, NO_ANSWER):
            self._timer.start()
        else:
            self._timer.stop()

    def _stood(self) -> None:
        answer = self._watched
        if answer is None or answer is not self._state.answer:
            return
        if answer.kind == NO_ANSWER:
            self.missed(answer)
        else:
            self.used(answer, OPEN)

    def used(self, answer: Answer, act: str) -> None:
        """The agent opened (Enter, double-click, read for 2 s) or copied from the answer."""
        target = answer.target
        if target is None or answer.kind not in (ANSWER, BROWSED):
            return
        query = answer.query.strip() if answer.hit is not None else ""
        if query:
            self._settings.add_recent_query(query)
        if target.rule_id:
            self._settings.add_recent_rule(target.rule_id)
        key = (query, target.rule_id or "", act)
        if query and target.rule_id and self.memory is not None and key not in self._logged:
            self._logged.add(key)
            self._call_memory("record", query, target.rule_id, act)
        self._on_history()

    def missed(self, answer: Answer) -> None:
        """A query that found nothing and stood (2 s or Enter): the memory learns what agents ask."""
        key = (answer.query.strip(), "", "miss")
        if answer.kind != NO_ANSWER or key in self._logged:
            return
        self._logged.add(key)
        if self.memory is not None:
            self._call_memory("record_miss", answer.query.strip())

    def forget(self) -> None:
        """«Очистить историю»: the recent lists and the query memory."""
        self._settings.clear_history()
        self._logged.clear()
        if self.memory is not None:
            self._call_memory("clear")
        self._on_history()

    def _call_memory(self, method: str, *args: object) -> None:
        try:
            getattr(self.memory, method)(*args)
        except Exception:  # the memory is a help, never a reason for the call to fail
            log.warning("query memory: %s failed", method, exc_info=True)
