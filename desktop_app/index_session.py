"""The app's handle on the search index: open, search, refresh, all off the GUI thread.

Every index call runs on one background thread (so searches and refreshes never overlap).
Each query gets a generation number; a result whose generation is not the newest is dropped,
and while a search runs only the newest waiting query is kept (STYLE.md §2).
"""

from __future__ import annotations

import gc
import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from desktop_app.worker import BackgroundRunner

if TYPE_CHECKING:
    from desktop_app.learning import QueryMemory
    from index import KnowledgeIndex, SearchResult

log = logging.getLogger(__name__)

SEARCH_LIMIT = 30


def open_index(kb_dir: Path, index_dir: Path | None, progress) -> KnowledgeIndex:
    """Import and open the index (runs in the background: keeps startup light)."""
    from index import KnowledgeIndex

    return KnowledgeIndex.open(kb_dir, index_dir, progress=progress)


def _warm_and_freeze(ix) -> None:
    ix.warm_up()
    # The KB, the index's caches and the typo index live as long as the app: keep them out of the
    # full garbage collections, which otherwise stop whichever thread allocates (the GUI's too) for
    # 100-130 ms every few dozen searches on a 100k-rule KB (measured with gc.callbacks).
    gc.freeze()


class IndexSession(QObject):
    opened = Signal(object)  # KnowledgeBase
    open_failed = Signal(str)
    progress = Signal(int, int)
    results = Signal(object)  # SearchResult, or None when the query is empty
    refreshed = Signal(object, object)  # UpdateReport, KnowledgeBase
    failed = Signal(str)

    def __init__(self, kb_dir: Path, index_dir: Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.kb_dir = kb_dir
        self.index_dir = index_dir
        self._runner = BackgroundRunner(threads=1, parent=self)
        self._ix: Any = None
        self._generation = 0
        self._query = ""
        self._searching = False
        self.dropped = 0  # stale results thrown away (for tests and the log)
        self._warming: threading.Thread | None = None
        self._memory: QueryMemory | None = None

    # ------------------------------------------------------------------ lifecycle
    def open(self, opener=open_index) -> None:
        self._runner.submit(
            lambda progress: opener(self.kb_dir, self.index_dir, progress),
            on_done=self._on_opened,
            on_error=lambda exc: self.open_failed.emit(f"{type(exc).__name__}: {exc}"),
            on_progress=self.progress.emit,
        )

    def is_open(self) -> bool:
        return self._ix is not None

    def rebuilt_reason(self) -> str | None:
        """Why the index had to be rebuilt on open (corrupt, other schema …), if it was."""
        return getattr(self._ix, "rebuilt_reason", None)

    def kb(self):
        return self._ix.kb if self._ix is not None else None

    def close(self) -> None:
        """Stop for good: a build or refresh under way is cancelled (its writer processes stopped,
        its half-built index discarded), then everything is waited for."""
        self._generation += 1
        self._runner.cancel()
        self._runner.wait()
        if self._ix is not None:
            try:
                self._ix.close()  # a running warm-up stops at its next step
            finally:
                self._ix = None
        self.warmed(timeout=10)

    def _on_opened(self, ix: KnowledgeIndex) -> None:
        self._ix = ix
        self._give_feedback()
        reason = getattr(ix, "rebuilt_reason", None)
        if reason:
            log.info("index rebuilt: %s", reason)
        self.opened.emit(ix.kb)
        if self._query.strip():
            self._start_search()
        self._warm_up(ix)

    def _warm_up(self, ix) -> None:
        """Read ahead what the first searches would pay for, on a thread of its own: the search
        thread stays free, and warm_up lets searches run between its steps."""
        if hasattr(ix, "warm_up"):
            self._warming = threading.Thread(
                target=_warm_and_freeze, args=(ix,), name="index-warm-up", daemon=True
            )
            self._warming.start()

    def warmed(self, timeout: float | None = None) -> bool:
        """Wait for the warm-up thread (tests); True when none is running."""
        if self._warming is not None:
            self._warming.join(timeout)
        return self._warming is None or not self._warming.is_alive()

    # ------------------------------------------------------------------ learning
    def set_memory(self, memory: QueryMemory | None) -> None:
        """Rank with what ``memory`` learned (desktop_app/learning.py), refreshed after each change."""
        self._memory = memory
        if memory is not None:
            memory.add_listener(self._give_feedback)
        self._give_feedback()

    def memory(self) -> QueryMemory | None:
        return self._memory

    def _give_feedback(self) -> None:
        """On the index's thread, before the searches asked for after this (the first build of the
        feedback reads every remembered query)."""
        memory, ix = self._memory, self._ix
        if ix is not None and hasattr(ix, "set_feedback"):
            self._runner.submit(
                lambda: ix.set_feedback(memory.feedback() if memory and memory.enabled else None)
            )

    # ------------------------------------------------------------------ search
    def search(self, query: str) -> None:
        """Ask for ``query``; only the newest query's result is ever emitted."""
        self._generation += 1
        self._query = query
        if not query.strip():
            self.results.emit(None)
        elif self._ix is not None and not self._searching:
            self._start_search()

    def current_query(self) -> str:
        return self._query

    def _start_search(self) -> None:
        generation, query, ix = self._generation, self._query, self._ix
        self._searching = True
        self._runner.submit(
            lambda: ix.search(query, limit=SEARCH_LIMIT),
            on_done=lambda result: self._on_result(generation, result),
            on_error=lambda exc: self._on_search_error(generation, exc),
        )

    def _on_result(self, generation: int, result: SearchResult) -> None:
        self._searching = False
        if generation == self._generation:
            self.results.emit(result)
            return
        self.dropped += 1
        if self._query.strip() and self._ix is not None:
            self._start_search()  # the newest query has not run yet

    def _on_search_error(self, generation: int, exc: BaseException) -> None:
        self._searching = False
        self.failed.emit(f"Ошибка поиска: {exc}")
        if generation != self._generation and self._query.strip():
            self._start_search()

    # ------------------------------------------------------------------ refresh
    def refresh(self) -> None:
        """Re-read changed articles; emits ``refreshed`` then re-runs the current query."""
        if self._ix is None:
            return
        ix = self._ix
        self._runner.submit(
            lambda progress: (ix.refresh(progress), ix.kb),
            on_done=lambda pair: self._on_refreshed(*pair),
            on_error=lambda exc: self.failed.emit(f"Не удалось обновить индекс: {exc}"),
            on_progress=self.progress.emit,
        )

    def _on_refreshed(self, report, kb) -> None:
        self.refreshed.emit(report, kb)
        if self._query.strip():
            self.search(self._query)
        if self._ix is not None and (report.added or report.changed or report.removed or report.rebuilt):
            self._warm_up(self._ix)

    def wait(self, msecs: int = -1) -> bool:
        return self._runner.wait(msecs)
