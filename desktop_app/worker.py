"""The one way to run core work off the GUI thread (STYLE.md §3).

A task is a plain callable; ``BackgroundRunner.submit`` runs it on a thread pool and calls
``on_done(result)`` or ``on_error(exc)`` back on the GUI thread. Workers never touch widgets.
``BackgroundRunner.cancel`` stops its work: tasks not started are dropped, and a running task's
next progress report raises :class:`Cancelled` inside it (an index build then cancels its writer
and discards what it had built); neither reports back.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


class Cancelled(BaseException):
    """Raised by a progress report once the runner is cancelled. A BaseException, like
    KeyboardInterrupt: no ``except Exception`` on the way (fallbacks, repairs) swallows it."""


class _Relay(QObject):
    """Lives on the GUI thread; queued signals carry a worker's outcome back to it."""

    done = Signal(object)
    failed = Signal(object)
    progressed = Signal(int, int)
    dropped = Signal()

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
        self.dropped.connect(lambda: self._forget(self))

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
    def __init__(
        self, fn: Callable[..., Any], relay: _Relay, wants_progress: bool, cancelled: threading.Event
    ) -> None:
        super().__init__()
        self._fn, self._relay, self._wants_progress = fn, relay, wants_progress
        self._cancelled = cancelled

    def _progress(self, done: int, total: int) -> None:
        if self._cancelled.is_set():
            raise Cancelled
        self._relay.progressed.emit(done, total)

    def run(self) -> None:
        if self._cancelled.is_set():
            self._relay.dropped.emit()
            return
        try:
            result = self._fn(self._progress) if self._wants_progress else self._fn()
        except Cancelled:
            log.debug("background task cancelled")
            self._relay.dropped.emit()
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
        self._cancelled = threading.Event()

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
        self._pool.start(_Task(fn, relay, on_progress is not None, self._cancelled))

    def cancel(self) -> None:
        """Stop: drop what has not started, make a running task stop at its next progress report.
        For good: what is submitted afterwards is dropped too (the runner's owner is closing)."""
        self._cancelled.set()

    def busy(self) -> bool:
        return bool(self._relays)

    def wait(self, msecs: int = -1) -> bool:
        """Block until every task has finished (used on close and in tests)."""
        return self._pool.waitForDone(msecs)
