"""The status bar: transient notes, index progress, and a button listing knowledge-base load errors."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar, QToolButton

from desktop_app.wording import count as _count
from desktop_app.wording import plural
from kb.model import KnowledgeBase, LoadError

NOTE_MS = 8000


def kb_folder_found(kb: KnowledgeBase) -> bool:
    """False when the KB folder itself could not be read (the banner above the window says so)."""
    return len(file_errors(kb)) == len(kb.errors)


def file_errors(kb: KnowledgeBase) -> list[LoadError]:
    """The KB's load errors of single files: a missing folder is the banner's news, not a file's."""
    return [e for e in kb.errors if not (e.path == kb.root and e.line is None)]


def describe_error(error: LoadError) -> str:
    """ "ss.md:12: message" — where and why a file did not load."""
    where = f"{error.path.name}:{error.line}" if error.line else error.path.name
    return f"{where}: {error.message}"


class StatusArea(QObject):
    errors_clicked = Signal()

    def __init__(self, bar: QStatusBar, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bar = bar
        self.summary = QLabel()
        self.summary.setObjectName("statusSummary")
        self.progress_bar = QProgressBar()
        self.progress_bar.setMaximumWidth(180)
        self.progress_bar.setMaximumHeight(16)
        self.progress_bar.setTextVisible(False)
        self.progress_bar.hide()
        self.errors_button = QToolButton()
        self.errors_button.setObjectName("errorsButton")
        self.errors_button.setAutoRaise(True)
        self.errors_button.clicked.connect(self.errors_clicked)
        self.errors_button.hide()
        self.index_label = QLabel("⚠ Индекс не сохранён")
        self.index_label.setObjectName("indexUnsaved")
        self.index_label.hide()
        bar.addPermanentWidget(self.index_label)
        bar.addPermanentWidget(self.errors_button)
        bar.addPermanentWidget(self.progress_bar)
        bar.addPermanentWidget(self.summary)
        self._resting = ""

    def note(self, text: str) -> None:
        self.bar.showMessage(text, NOTE_MS)

    def busy(self, text: str) -> None:
        self.summary.setText(text)
        self.progress_bar.setRange(0, 0)  # indeterminate until the first progress report
        self.progress_bar.show()

    def progress(self, done: int, total: int) -> None:
        """Articles indexed so far; once all are in, the index is still being written (at 100k
        rules that takes a third of the build), so say so rather than go quiet."""
        if total <= 0:
            return
        self.progress_bar.show()
        if done >= total:
            self.progress_bar.setRange(0, 0)
            self.summary.setText("Сохраняю поисковый индекс…")
            return
        self.progress_bar.setRange(0, total)
        self.progress_bar.setValue(done)
        self.summary.setText(f"Индексирую статьи: {_count(done)} из {_count(total)}")

    def done(self, text: str, tip: str = "") -> None:
        """Work finished: ``text`` is what the status bar says from now on (``tip`` on hover)."""
        self._resting = text
        self.progress_bar.hide()
        self.summary.setText(text)
        self.summary.setToolTip(tip)

    def finished(self) -> None:
        """Background work (a refresh) is over: back to what the bar said before it."""
        self.progress_bar.hide()
        self.summary.setText(self._resting)

    def set_index_state(self, unsaved: str | None) -> None:
        """Show, while it lasts, that the index is searched from memory and why (on hover)."""
        self.index_label.setVisible(bool(unsaved))
        tip = "Поиск работает по индексу в памяти; индекс будет записан, когда папка кэша станет доступна."
        self.index_label.setToolTip(f"{tip}\n{unsaved}" if unsaved else "")

    def set_errors(self, errors: list[LoadError], notices: list[LoadError] | None = None) -> None:
        """Files that did not load, else files that loaded with a notice (an article saved as cp1251)."""
        notices = notices or []
        shown = errors or notices
        self.errors_button.setVisible(bool(shown))
        if not shown:
            return
        if errors:
            self.errors_button.setText(f"⚠ Не загружено: {plural(len(errors), 'файл', 'файла', 'файлов')}")
        else:
            self.errors_button.setText(f"⚠ Замечания: {plural(len(notices), 'файл', 'файла', 'файлов')}")
        lines = [describe_error(e) for e in [*errors, *notices][:5]]
        self.errors_button.setToolTip("\n".join([*lines, "Нажмите, чтобы увидеть все."]))
