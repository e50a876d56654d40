"""Paints one hit: a coloured line badge, "Section · п.N", and the snippet with matches marked."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QRectF, QSize, Qt
from PySide6.QtGui import QAbstractTextDocumentLayout, QFont, QFontMetrics, QPainter, QPalette, QTextDocument
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from desktop_app.badges import badge_colour
from desktop_app.hit_model import HIT_ROLE, MARK_ROLE, heading_parts
from desktop_app.rule_marks import PILL_GAP, paint_pill, pill_width

PAD = 8
SNIPPET_LINES = 3
MATCH_CSS = "b { background-color: #ffe066; color: #1a1a1a; font-weight: 600; }"


def snippet_height(doc: QTextDocument, max_lines: int) -> float:
    """Height of the first ``max_lines`` laid-out lines, so no line is ever cut in half."""
    layout = doc.documentLayout()
    block, seen, bottom = doc.begin(), 0, 0.0
    while block.isValid() and seen < max_lines:
        top = layout.blockBoundingRect(block).top()
        lines = block.layout()
        for i in range(min(lines.lineCount(), max_lines - seen)):
            bottom = top + lines.lineAt(i).rect().bottom()
            seen += 1
        block = block.next()
    return bottom + 1


def row_heading(hit, fm: QFontMetrics, width: int) -> str:
    """The row's heading in ``width`` pixels: the section may be shortened, the rule number never."""
    place, keep = heading_parts(hit)
    room = width - fm.horizontalAdvance(keep)
    return fm.elidedText(place, Qt.TextElideMode.ElideRight, max(0, room)) + keep if place else keep


def row_snippet(hit) -> str:
    """The snippet without a phrase's or intro's lead-in («Для перевода … используйте фразу:»): the
    row's heading already says «Фраза», so the row does not say it twice."""
    if hit.kind == "rule":
        return hit.snippet
    lead, sep, _rest = hit.text.partition(": ")
    if sep and len(lead) <= 120 and hit.snippet.startswith(lead + sep):
        return hit.snippet[len(lead) + len(sep) :]
    return hit.snippet


class HitDelegate(QStyledItemDelegate):
    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        hit = index.data(HIT_ROLE)
        if hit is None:
            return super().paint(painter, option, index)
        painter.save()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        self._paint_background(painter, option, selected)
        rect = option.rect.adjusted(PAD, PAD, -PAD, -PAD)
        badge_w = self._paint_badge(painter, option.font, rect.topLeft(), hit.line_label)
        heading_font = QFont(option.font)
        heading_font.setBold(True)
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        fm = QFontMetrics(heading_font)
        head_rect = rect.adjusted(badge_w + PAD, 0, 0, 0)
        head_rect.setHeight(self._badge_height(option.font))
        mark_w = self._paint_mark(painter, option.font, index, head_rect, selected)
        head_rect.setRight(head_rect.right() - mark_w)
        painter.setFont(heading_font)
        painter.setPen(option.palette.color(text_role))
        painter.drawText(
            head_rect,
            Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft,
            row_heading(hit, fm, head_rect.width()),
        )
        doc = self._snippet_doc(row_snippet(hit), option, rect.width(), selected)
        top = rect.top() + self._badge_height(option.font) + 4
        painter.translate(rect.left(), top)
        clip = QRectF(0, 0, rect.width(), snippet_height(doc, SNIPPET_LINES))
        painter.setClipRect(clip)
        ctx = QAbstractTextDocumentLayout.PaintContext()
        ctx.palette.setColor(QPalette.ColorRole.Text, option.palette.color(text_role))
        ctx.clip = clip
        doc.documentLayout().draw(painter, ctx)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        hit = index.data(HIT_ROLE)
        if hit is None:
            return super().sizeHint(option, index)
        view = self.parent()
        viewport_w = view.viewport().width() if hasattr(view, "viewport") else option.rect.width()
        width = max(200, (viewport_w or 360) - 2 * PAD)
        doc = self._snippet_doc(row_snippet(hit), option, width, False)
        snippet_h = snippet_height(doc, SNIPPET_LINES)
        return QSize(width, int(self._badge_height(option.font) + 4 + snippet_h + 2 * PAD))

    # ------------------------------------------------------------------ parts
    @staticmethod
    def _paint_background(painter: QPainter, option: QStyleOptionViewItem, selected: bool) -> None:
        if selected:
            painter.fillRect(option.rect, option.palette.highlight())
        painter.setPen(option.palette.color(QPalette.ColorRole.Mid))
        painter.drawLine(option.rect.bottomLeft(), option.rect.bottomRight())

    def _paint_badge(self, painter: QPainter, font: QFont, at, label: str) -> int:
        small = QFont(font)
        small.setBold(True)
        small.setPointSizeF(max(7.0, font.pointSizeF() * 0.85))
        fm = QFontMetrics(small)
        w, h = fm.horizontalAdvance(label) + 12, self._badge_height(font)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(badge_colour(label))
        painter.drawRoundedRect(QRectF(at.x(), at.y(), w, h), 4, 4)
        painter.setPen(Qt.GlobalColor.white)
        painter.setFont(small)
        painter.drawText(QRectF(at.x(), at.y(), w, h), Qt.AlignmentFlag.AlignCenter, label)
        return w

    @staticmethod
    def _paint_mark(painter: QPainter, font: QFont, index: QModelIndex, head_rect, selected: bool) -> int:
        """«новое» / «изменено 01.12» at the right end of the heading; the room it took (0 without)."""
        mark = index.data(MARK_ROLE)
        if mark is None:
            return 0
        width = pill_width(font, mark.label)
        pill = QRectF(head_rect.right() - width + 1, head_rect.top() + 1, width, head_rect.height() - 2)
        paint_pill(painter, pill, font, mark, on_highlight=selected)
        return width + PILL_GAP

    @staticmethod
    def _badge_height(font: QFont) -> int:
        return QFontMetrics(font).height() + 4

    @staticmethod
    def _snippet_doc(
        snippet: str, option: QStyleOptionViewItem, width: float, selected: bool
    ) -> QTextDocument:
        doc = QTextDocument()
        doc.setDocumentMargin(0)
        doc.setDefaultFont(option.font)
        doc.setDefaultStyleSheet(MATCH_CSS)
        doc.setHtml(snippet)
        doc.setTextWidth(width)
        return doc
