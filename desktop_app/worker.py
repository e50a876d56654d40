"""The one way to run core work off the GUI thread (STYLE.md §3).

A task is a plain callable; ``BackgroundRunner.submit`` runs it on a thread pool and calls
``on_done(result)`` or ``on_error(exc)`` back on the GUI thread. Workers never touch widgets.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


class _Relay(QObject):
    """Lives on the GUI thread; queued signals carry a worker's outcome back to it."""

    done = Signal(object)
    failed = Signal(object)
    progressed = Signal(int, int)

    def __init__(self, on_done, on_error, on_progress, forget) -> None:
        super().__init__()
        self._on_done, self._on_error, self._on_progress, self._forget = (
            on_done,
            on_error,
            on_progress,
            forget,
        )
        self.done.connect(self._deliver_done)
        self.failed.connect(self._deliver_error)
        self.progressed.connect(self._deliver_progress)

    @Slot(object)
    def _deliver_done(self, result: object) -> None:
        self._forget(self)
        if self._on_done is not None:
            self._on_done(result)

    @Slot(object)
    def _deliver_error(self, exc: object) -> None:
        self._forget(self)
        if self._on_error is not None:
            self._on_error(exc)
        else:
            raise exc  # type: ignore[misc]  # reaches sys.excepthook: the crash dialog

    @Slot(int, int)
    def _deliver_progress(self, done: int, total: int) -> None:
        if self._on_progress is not None:
            self._on_progress(done, total)


class _Task(QRunnable):
    def __init__(self, fn: Callable[..., Any], relay: _Relay, wants_progress: bool) -> None:
        super().__init__()
        self._fn, self._relay, self._wants_progress = fn, relay, wants_progress

    def run(self) -> None:
        try:
            result = self._fn(self._relay.progressed.emit) if self._wants_progress else self._fn()
        except Exception as exc:  # handed to the GUI thread, never lost
            log.debug("background task failed", exc_info=True)
            self._relay.failed.emit(exc)
        else:
            self._relay.done.emit(result)


class BackgroundRunner(QObject):
    """Runs callables one at a time (``threads=1``) or in parallel, reporting on the GUI thread."""

    def __init__(self, threads: int = 1, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(threads)
        self._relays: set[_Relay] = set()

    def submit(
        self,
        fn: Callable[..., Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Progress | None = None,
    ) -> None:
        """Run ``fn()`` (or ``fn(progress)`` when ``on_progress`` is given) in the background."""
        relay = _Relay(on_done, on_error, on_progress, self._relays.discard)
        self._relays.add(relay)
        self._pool.start(_Task(fn, relay, on_progress is not None))

    def busy(self) -> bool:
        return bool(self._relays)

    def wait(self, msecs: int = -1) -> bool:
        """Block until every task has finished (used on close and in tests)."""
        return self._pool.waitForDone(msecs)
