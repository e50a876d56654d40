"""The small «новое» / «изменено 01.12» marks on rules: what they say and how they are painted.

Shared by the results list, the contents and the «Что изменилось» view (the article view gets
the same colours as HTML through ``kb.render``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPen

NEW, CHANGED, RECENT, REMOVED = "new", "changed", "recent", "removed"

# unread marks are filled; a change the agent has already read, but that is recent, is only outlined
FILL = {NEW: "#2e7d32", CHANGED: "#c2410c", REMOVED: "#6b7280"}
OUTLINE = "#7c8794"
OUTLINE_TEXT = "#374151"
PILL_PAD = 10  # horizontal room inside a pill
PILL_GAP = 8  # between a pill and the text before it


def short_day(day: date | None) -> str:
    """ "01.12": the day a rule changed, as the marks write it."""
    return day.strftime("%d.%m") if day else ""


@dataclass(frozen=True)
class RuleMark:
    """What the window says about one rule's change."""

    kind: str  # NEW | CHANGED (not read yet) | RECENT (read, changed in the last days) | REMOVED
    day: date | None = None  # when it changed (for NEW: when it appeared)

    @property
    def unread(self) -> bool:
        return self.kind in (NEW, CHANGED)

    @property
    def label(self) -> str:
        if self.kind == NEW:
            return "новое"
        if self.kind == REMOVED:
            return "удалено"
        return f"изменено {short_day(self.day)}".strip()

    @property
    def tooltip(self) -> str:
        when = f" {self.day.strftime('%d.%m.%Y')}" if self.day else ""
        if self.kind == NEW:
            return f"Новое правило{when}: ещё не просмотрено («Вид → Что изменилось…»)"
        if self.kind == CHANGED:
            return f"Правило изменено{when}: изменения ещё не просмотрены («Вид → Что изменилось…»)"
        if self.kind == REMOVED:
            return f"Правило удалено из базы знаний{when}"
        return f"Правило изменено{when} (недавнее изменение)"

    def render_pair(self) -> tuple[str, str]:
        """(kind, label) as ``kb.render`` takes it."""
        return self.kind, self.label


@dataclass(frozen=True)
class CountMark:
    """A section's or an article's mark in the contents: how many of its rules changed unread."""

    count: int
    kind: str = CHANGED

    @property
    def label(self) -> str:
        return f"изменений: {self.count}"

    @property
    def tooltip(self) -> str:
        return f"Новых и изменённых правил, ещё не просмотренных: {self.count}"


def mark_for(status: str | None, changed_on: date | None, recent: date | None) -> RuleMark | None:
    """The mark of a rule from its seen status ("new" / "changed" / None) and its recent change date."""
    if status == "new":
        return RuleMark(NEW, changed_on or recent)
    if status == "changed":
        return RuleMark(CHANGED, changed_on or recent)
    if recent is not None:
        return RuleMark(RECENT, recent)
    return None


def pill_font(font: QFont) -> QFont:
    small = QFont(font)
    small.setBold(True)
    small.setPointSizeF(max(7.0, font.pointSizeF() * 0.8))
    return small


def pill_width(font: QFont, label: str) -> int:
    return QFontMetrics(pill_font(font)).horizontalAdvance(label) + PILL_PAD


def paint_pill(
    painter: QPainter, rect: QRectF, font: QFont, mark: RuleMark | CountMark, on_highlight: bool = False
) -> None:
    """A rounded mark in ``rect``: filled for an unread change, outlined for a read recent one."""
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    if mark.kind in FILL:
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(FILL[mark.kind]))
        text = QColor("white")
    else:
        colour = QColor("white") if on_highlight else QColor(OUTLINE)
        painter.setPen(QPen(colour, 1))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        text = QColor("white") if on_highlight else QColor(OUTLINE_TEXT)
    painter.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), 4, 4)
    painter.setPen(text)
    painter.setFont(pill_font(font))
    painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, mark.label)
    painter.restore()
