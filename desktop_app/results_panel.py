"""The search field and the results list with its "nothing found" / suggestion line."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QItemSelectionModel, QModelIndex, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QLabel,
    QLineEdit,
    QListView,
    QVBoxLayout,
    QWidget,
)

from desktop_app.hit_delegate import HitDelegate
from desktop_app.hit_model import HitListModel
from desktop_app.wording import correction_note

if TYPE_CHECKING:
    from index import Hit, SearchResult

PLACEHOLDER = "Что говорит клиент? (Ctrl+F)"
NAV_KEYS = (Qt.Key.Key_Down, Qt.Key.Key_Up, Qt.Key.Key_PageDown, Qt.Key.Key_PageUp)
SUGGEST_SCHEME = "suggest:"
GREY = "#6b7280"
NOTHING_FOUND = (
    "<b>Ничего не найдено.</b> <span style='color:#6b7280'>Попробуйте другое слово или "
    "посмотрите оглавление (Ctrl+2).</span>"
)


class SearchBox(QLineEdit):
    """The query field: ↓/↑/PgUp/PgDn go to the results, Enter asks to open the selected hit."""

    navigate = Signal(QKeyEvent)
    open_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("searchBox")
        self.setPlaceholderText(PLACEHOLDER)
        self.setClearButtonEnabled(True)
        font = self.font()
        font.setPointSizeF(font.pointSizeF() + 2)
        self.setFont(font)
        self.returnPressed.connect(self.open_requested)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in NAV_KEYS and not event.modifiers() & Qt.KeyboardModifier.AltModifier:
            self.navigate.emit(event)
            return
        super().keyPressEvent(event)


class _TypeToSearch(QObject):
    """Printable keys typed in the results list go to the search field (keep typing the query)."""

    def __init__(self, view: QListView, box_getter) -> None:
        super().__init__(view)
        self._box_getter = box_getter
        view.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return False
        mods = event.modifiers() & ~Qt.KeyboardModifier.ShiftModifier & ~Qt.KeyboardModifier.KeypadModifier
        box = self._box_getter()
        if box is None or mods or not event.text().isprintable() or not event.text().strip():
            return False
        box.setFocus()
        box.insert(event.text())
        box.textEdited.emit(box.text())
        return True


class ResultsPanel(QWidget):
    """Status line above a list of hits; emits ``current_changed`` and ``activated``."""

    current_changed = Signal(object)  # Hit: the agent moved the selection
    activated = Signal(object)  # Hit
    suggestion_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.info = QLabel()
        self.info.setObjectName("searchInfo")
        self.info.setWordWrap(True)
        self.info.setTextFormat(Qt.TextFormat.RichText)
        self.info.linkActivated.connect(self._on_link)
        self.model = HitListModel(self)
        self.view = QListView()
        self.view.setObjectName("results")
        self.view.setModel(self.model)
        self.view.setItemDelegate(HitDelegate(self.view))
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setUniformItemSizes(False)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)
        self.view.setWordWrap(True)
        self.view.selectionModel().currentChanged.connect(lambda cur, _prev: self._emit_current(cur))
        self.view.activated.connect(lambda idx: self._emit_activated(idx.row()))
        self.view.clicked.connect(lambda idx: self._emit_activated(idx.row()))
        self._syncing = False  # True while the selection follows the state: not the agent's choice
        self.search_box: SearchBox | None = None  # set by the window: typing in the list goes there
        self._type_to_search = _TypeToSearch(self.view, lambda: self.search_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.info)
        layout.addWidget(self.view, 1)
        self.show_result(None)

    # ------------------------------------------------------------------ content (from AnswerState)
    def show_result(self, result: SearchResult | None) -> None:
        """New hits to list; which one is selected is set apart by ``show_selection``."""
        self._syncing = True
        try:
            self.model.set_hits(list(result.hits) if result is not None else [])
        finally:
            self._syncing = False
        self.info.setText(self._info_html(result))

    def show_selection(self, hit: Hit | None) -> None:
        """Select ``hit``'s row (or none) without reporting it back as the agent's choice."""
        row = self.model.row_of(hit)
        selection = self.view.selectionModel()
        self._syncing = True
        try:
            if row is None:
                selection.clearSelection()
                selection.setCurrentIndex(QModelIndex(), QItemSelectionModel.SelectionFlag.Clear)
            elif self.view.currentIndex().row() != row or not selection.hasSelection():
                index = self.model.index(row, 0)
                selection.setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
                self.view.scrollTo(index)
        finally:
            self._syncing = False

    def _info_html(self, result: SearchResult | None) -> str:
        if result is None:
            return f"<span style='color:{GREY}'>Введите запрос: результаты появляются по мере ввода.</span>"
        notes = [f"Найдено: {len(result.hits)}" if result.hits else NOTHING_FOUND]
        if result.layout_converted:  # worded as the command line words it (desktop_app/wording.py)
            notes.append(html.escape(correction_note(result.query, result.corrected, True) or ""))
        elif result.corrected:
            word = html.escape(result.corrected)
            notes.append(f"Возможно, вы имели в виду: <a href='{SUGGEST_SCHEME}{word}'><b>{word}</b></a>")
        return "<br>".join(notes)

    def current_hit(self) -> Hit | None:
        return self.model.hit(self.view.currentIndex().row())

    def select_row(self, row: int) -> None:
        if not 0 <= row < self.model.rowCount():
            return
        index = self.model.index(row, 0)
        self.view.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self.view.scrollTo(index)

    def forward_key(self, event: QKeyEvent) -> None:
        """Move through the results with keys typed in the search field."""
        if self.model.rowCount() == 0:
            return
        if not self.view.currentIndex().isValid():
            self.select_row(0)
            return
        clone = QKeyEvent(event.type(), event.key(), event.modifiers(), event.text())
        QApplication.sendEvent(self.view, clone)

    def _emit_current(self, index) -> None:
        hit = self.model.hit(index.row())
        if hit is not None and not self._syncing:
            self.current_changed.emit(hit)

    def _emit_activated(self, row: int) -> None:
        hit = self.model.hit(row)
        if hit is not None:
            self.activated.emit(hit)

    def _on_link(self, link: str) -> None:
        if link.startswith(SUGGEST_SCHEME):
            self.suggestion_clicked.emit(link[len(SUGGEST_SCHEME) :])
