"""The «История» tab: recent searches (click to search again) and recently opened rules."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from desktop_app.rule_list import RuleList
from kb.model import KnowledgeBase


class HistoryPanel(QWidget):
    anchor_activated = Signal(str)
    query_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.queries = QListWidget()
        self.queries.setObjectName("recentQueries")
        self.queries.setMaximumHeight(150)
        self.queries.itemActivated.connect(self._emit_query)
        self.queries.itemClicked.connect(self._emit_query)
        self.rules = RuleList("Здесь появятся открытые правила.")
        self.rules.anchor_activated.connect(self.anchor_activated)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(QLabel("<b>Недавние запросы</b>"))
        layout.addWidget(self.queries)
        layout.addWidget(QLabel("<b>Открытые правила</b>"))
        layout.addWidget(self.rules, 1)

    def set_history(self, kb: KnowledgeBase | None, queries: list[str], rule_ids: list[str]) -> None:
        self.queries.clear()
        for query in queries:
            self.queries.addItem(query)
        if not queries:
            item = QListWidgetItem("Здесь появятся запросы, по которым открывали правила.")
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.queries.addItem(item)
        self.rules.set_rules(kb, rule_ids)

    def _emit_query(self, item: QListWidgetItem) -> None:
        if item.flags() & Qt.ItemFlag.ItemIsEnabled:
            self.query_activated.emit(item.text())
