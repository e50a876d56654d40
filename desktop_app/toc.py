"""Table of contents: articles → sections → rules, to browse without searching."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QTreeView, QWidget

from kb.model import KnowledgeBase

ANCHOR_ROLE = Qt.ItemDataRole.UserRole + 10
RULE_PREVIEW = 90


def rule_title(text: str, limit: int = RULE_PREVIEW) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def build_toc_model(kb: KnowledgeBase, model: QStandardItemModel) -> None:
    model.clear()
    root = model.invisibleRootItem()
    for article in kb.articles:
        a_item = _item(f"{article.line} — {article.title}", article.id)
        for section in article.sections:
            s_item = _item(f"{section.title} ({len(section.rules)})", f"{article.id}/{section.id}")
            for rule in section.rules:
                r_item = _item(f"{rule.number}. {rule_title(rule.text)}", rule.id)
                r_item.setToolTip(rule.text)
                s_item.appendRow(r_item)
            a_item.appendRow(s_item)
        root.appendRow(a_item)


def _item(text: str, anchor: str) -> QStandardItem:
    item = QStandardItem(text)
    item.setEditable(False)
    item.setData(anchor, ANCHOR_ROLE)
    return item


class TocView(QTreeView):
    """Emits ``anchor_activated`` with a rule id, a section anchor or an article id."""

    anchor_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("toc")
        self.setHeaderHidden(True)
        self.setUniformRowHeights(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self._model = QStandardItemModel(self)
        self.setModel(self._model)
        self.activated.connect(self._emit)
        self.clicked.connect(self._emit)

    def set_kb(self, kb: KnowledgeBase) -> None:
        build_toc_model(kb, self._model)
        for row in range(self._model.rowCount()):
            self.expand(self._model.index(row, 0))

    def reveal(self, anchor: str | None) -> None:
        """Select the item of a rule or section (keeps the contents in step with the article view)."""
        if not anchor:
            return
        hits = self._model.match(
            self._model.index(0, 0), ANCHOR_ROLE, anchor, 1,
            Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive,
        )  # fmt: skip
        if hits:
            self.setCurrentIndex(hits[0])
            self.scrollTo(hits[0])

    def _emit(self, index) -> None:
        anchor = index.data(ANCHOR_ROLE)
        if anchor:
            self.anchor_activated.emit(anchor)
