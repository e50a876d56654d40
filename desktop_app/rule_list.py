"""A list of rules by id (favourites, viewed rules) that survives KB edits: unknown ids stay greyed."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from desktop_app.toc import rule_title
from kb.model import KnowledgeBase

ANCHOR_ROLE = Qt.ItemDataRole.UserRole + 20


def rule_label(kb: KnowledgeBase | None, rule_id: str, limit: int = 70) -> str:
    """ "СС · Финансовые вопросы · п.3 — Неверная тарификация…" or the bare id when unknown."""
    found = kb.find_rule(rule_id) if kb is not None else None
    if found is None:
        return rule_id
    article, section, rule = found
    return (
        f"{article.line_label(section)} · {section.title} · п.{rule.number} — {rule_title(rule.text, limit)}"
    )


class RuleList(QListWidget):
    anchor_activated = Signal(str)

    def __init__(self, empty_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._empty_text = empty_text
        self.setWordWrap(True)
        self.setAlternatingRowColors(True)
        self.itemActivated.connect(self._emit)
        self.itemClicked.connect(self._emit)

    def set_rules(self, kb: KnowledgeBase | None, rule_ids: list[str]) -> None:
        self.clear()
        for rule_id in rule_ids:
            item = QListWidgetItem(rule_label(kb, rule_id))
            item.setData(ANCHOR_ROLE, rule_id)
            item.setToolTip(rule_id)
            if kb is not None and kb.find_rule(rule_id) is None:
                item.setForeground(QColor("#9ca3af"))
            self.addItem(item)
        if not rule_ids:
            item = QListWidgetItem(self._empty_text)
            item.setFlags(Qt.ItemFlag.NoItemFlags)
            self.addItem(item)

    def _emit(self, item: QListWidgetItem) -> None:
        anchor = item.data(ANCHOR_ROLE)
        if anchor:
            self.anchor_activated.emit(anchor)
