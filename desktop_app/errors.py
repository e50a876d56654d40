"""The one place where failures become dialogs (STYLE.md §8) and crashes become log entries."""

from __future__ import annotations

import datetime as _dt
import logging
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtWidgets import QMessageBox, QWidget

log = logging.getLogger(__name__)

LOG_NAME = "kb-browser.log"
CRASH_TITLE = "Непредвиденная ошибка"

ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], None]


def show_error(parent: QWidget | None, title: str, text: str, details: str = "") -> None:
    """A modal error box with optional details; every user-facing error goes through here."""
    box = QMessageBox(QMessageBox.Icon.Critical, title, text, QMessageBox.StandardButton.Ok, parent)
    if details:
        box.setDetailedText(details)
    box.exec()


def show_warning(parent: QWidget | None, title: str, text: str, details: str = "") -> None:
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent)
    if details:
        box.setDetailedText(details)
    box.exec()


def write_crash_log(log_dir: Path, details: str) -> Path | None:
    """Append a traceback to the log file; returns its path, or None when it cannot be written."""
    path = log_dir / LOG_NAME
    try:
        log_dir.mkdir(parents=True, exist_ok=True)
        stamp = _dt.datetime.now().isoformat(timespec="seconds")
        with path.open("a", encoding="utf-8") as fh:
            fh.write(f"--- {stamp}\n{details}\n")
    except OSError as exc:  # the traceback itself already went to stderr through the log
        log.warning("cannot write the crash log to %s: %s", path, exc)
        return None
    return path


STARTUP_TITLE = "Программа не запустилась"


def where_logged(path: Path | None, log_dir: Path) -> str:
    """The last lines of a crash message: where the details went."""
    if path is not None:
        return f"Подробности записаны в журнал:\n{path}"
    return f"Журнал записать не удалось (папка {log_dir} недоступна); подробности — по кнопке ниже."


def report_startup_failure(log_dir: Path, exc: BaseException) -> Path | None:
    """The window could not be built: the traceback to stderr and to the crash log where one can be
    written, and one clear message box. Returns the log file, or None when it could not be written."""
    details = "".join(traceback.format_exception(exc))
    log.error("the window could not start\n%s", details)
    path = write_crash_log(log_dir, details)
    text = (
        f"Не удалось открыть окно базы знаний: {type(exc).__name__}: {exc}\n\n{where_logged(path, log_dir)}"
    )
    show_error(None, STARTUP_TITLE, text, details)
    return path


class CrashReporter:
    """``sys.excepthook`` for the GUI: log the traceback, show one dialog, keep running."""

    def __init__(self, log_dir: Path, parent: Callable[[], QWidget | None] = lambda: None) -> None:
        self.log_dir = log_dir
        self._parent = parent
        self._showing = False
        self._previous: ExceptHook | None = None

    def install(self) -> None:
        self._previous = sys.excepthook
        sys.excepthook = self

    def uninstall(self) -> None:
        if sys.excepthook is self and self._previous is not None:
            sys.excepthook = self._previous

    def _live_parent(self) -> QWidget | None:
        """The window to centre the dialog on, unless it is already gone."""
        import shiboken6

        try:
            parent = self._parent()
        except RuntimeError:
            return None
        return parent if parent is not None and shiboken6.isValid(parent) else None

    def __call__(self, exc_type: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        details = "".join(traceback.format_exception(exc_type, exc, tb))
        log.error("unhandled exception\n%s", details)
        path = write_crash_log(self.log_dir, details)
        if self._showing:  # one dialog at a time; later errors still go to the log
            return
        self._showing = True
        try:
            show_error(
                self._live_parent(),
                CRASH_TITLE,
                f"Произошла непредвиденная ошибка: {exc_type.__name__}: {exc}\n"
                f"Программа продолжит работу.\n\n{where_logged(path, self.log_dir)}",
                details,
            )
        finally:
            self._showing = False
