"""The list model of search hits: plain ``Hit`` values in, roles out (STYLE.md §2)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

if TYPE_CHECKING:
    from index import Hit

HIT_ROLE = Qt.ItemDataRole.UserRole + 1
RULE_ID_ROLE = Qt.ItemDataRole.UserRole + 2

_Index = QModelIndex | QPersistentModelIndex


def hit_heading(hit: Hit) -> str:
    """ "Финансовые вопросы · п.3" (or the kind of block when it is not a rule)."""
    if hit.number is not None:
        return f"{hit.section} · п.{hit.number}" if hit.section else f"п.{hit.number}"
    kind = {"phrase": "Фраза", "intro": "Введение"}.get(hit.kind, "")
    return " · ".join(p for p in (hit.section or hit.article_title, kind) if p)


class HitListModel(QAbstractListModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._hits: list[Hit] = []

    def set_hits(self, hits: list[Hit]) -> None:
        self.beginResetModel()
        self._hits = list(hits)
        self.endResetModel()

    def hits(self) -> list[Hit]:
        return list(self._hits)

    def hit(self, row: int) -> Hit | None:
        return self._hits[row] if 0 <= row < len(self._hits) else None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt signature)
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        hit = self.hit(index.row()) if index.isValid() else None
        if hit is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{hit.line_label} · {hit_heading(hit)}: {hit.text}"
        if role == Qt.ItemDataRole.ToolTipRole:
            return hit.text
        if role == HIT_ROLE:
            return hit
        if role == RULE_ID_ROLE:
            return hit.id if hit.kind == "rule" else None
        return None
