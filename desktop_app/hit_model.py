"""The list model of search hits: plain ``Hit`` values in, roles out (STYLE.md §2)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt

if TYPE_CHECKING:
    from desktop_app.rule_marks import RuleMark
    from index import Hit

HIT_ROLE = Qt.ItemDataRole.UserRole + 1
RULE_ID_ROLE = Qt.ItemDataRole.UserRole + 2
MARK_ROLE = Qt.ItemDataRole.UserRole + 3  # RuleMark of a rule added or changed lately, or None

_Index = QModelIndex | QPersistentModelIndex


KIND_LABELS = {"phrase": "Фраза", "intro": "Вводный текст"}


def heading_parts(hit: Hit) -> tuple[str, str]:
    """("Финансовые вопросы", " · п.3"): the part a narrow row may shorten, and the part it never may."""
    if hit.number is not None:
        return (hit.section, f" · п.{hit.number}") if hit.section else ("", f"п.{hit.number}")
    kind = KIND_LABELS.get(hit.kind, "")
    place = hit.section or hit.article_title
    return (place, f" · {kind}") if place and kind else (place or kind, "")


def hit_heading(hit: Hit) -> str:
    """ "Финансовые вопросы · п.3", or "Перевод на линию MNP · Фраза" for a block that is not a rule."""
    return "".join(heading_parts(hit))


class HitListModel(QAbstractListModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._hits: list[Hit] = []
        self._marks: Mapping[str, RuleMark] = {}

    def set_hits(self, hits: list[Hit]) -> None:
        self.beginResetModel()
        self._hits = list(hits)
        self.endResetModel()

    def set_marks(self, marks: Mapping[str, RuleMark]) -> None:
        """Rule id → «новое» / «изменено 01.12» mark (desktop_app/changes_controller.py)."""
        self._marks = marks
        if self._hits:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._hits) - 1, 0), [MARK_ROLE])

    def mark(self, hit: Hit | None) -> RuleMark | None:
        return self._marks.get(hit.id) if hit is not None and hit.kind == "rule" else None

    def hits(self) -> list[Hit]:
        return list(self._hits)

    def hit(self, row: int) -> Hit | None:
        return self._hits[row] if 0 <= row < len(self._hits) else None

    def row_of(self, hit: Hit | None) -> int | None:
        return next((row for row, h in enumerate(self._hits) if h == hit), None) if hit else None

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008 (Qt signature)
        return 0 if parent.isValid() else len(self._hits)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        hit = self.hit(index.row()) if index.isValid() else None
        if hit is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{hit.line_label} · {hit_heading(hit)}: {hit.text}"
        if role == Qt.ItemDataRole.ToolTipRole:
            mark = self.mark(hit)
            return f"{mark.tooltip}\n\n{hit.text}" if mark else hit.text
        if role == HIT_ROLE:
            return hit
        if role == RULE_ID_ROLE:
            return hit.id if hit.kind == "rule" else None
        if role == MARK_ROLE:
            return self.mark(hit)
        return None
