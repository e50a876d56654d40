"""Table of contents: articles → sections → rules, to browse without searching."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QObject, QRectF, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeView,
    QWidget,
)

from desktop_app.rule_marks import PILL_GAP, CountMark, RuleMark, paint_pill, pill_width
from kb.model import Article, KnowledgeBase, Rule, Section

ANCHOR_ROLE = Qt.ItemDataRole.UserRole + 10
MARK_ROLE = Qt.ItemDataRole.UserRole + 11  # RuleMark of a rule, CountMark of a section or article
RULE_PREVIEW = 90
EXPAND_ARTICLES = 50  # up to this many articles the contents open with their sections shown
_RULE = 1 << 40  # internal ids at or above this are rules (see TocModel)
_ROOT = QModelIndex()


def rule_title(text: str, limit: int = RULE_PREVIEW) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class TocModel(QAbstractItemModel):
    """Articles → sections → rules, read from the knowledge base as the view asks: no item objects.

    A 100k-rule KB as QStandardItems took 1.5 s of the GUI thread and 170 MB at every (re)load; here
    a row costs nothing until it is shown. An index's internal id names its parent: 0 for an article,
    article + 1 for a section, ``_RULE | article << 16 | section`` for a rule.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._articles: tuple = ()
        self._rows: dict[str, int] = {}  # article id -> row
        self._marks: Mapping[str, RuleMark] = {}
        self._counts: Counter[str] = Counter()  # article id or "article/section" -> unread changes

    def set_kb(self, kb: KnowledgeBase) -> None:
        self.beginResetModel()
        self._articles = tuple(kb.articles)
        self._rows = {article.id: row for row, article in enumerate(self._articles)}
        self.endResetModel()

    def set_marks(self, marks: Mapping[str, RuleMark]) -> None:
        """Rule id → mark; sections and articles count their unread ones."""
        self._marks = marks
        self._counts = _unread_counts(marks)

    # -- structure
    def index(self, row: int, column: int, parent: QModelIndex = _ROOT) -> QModelIndex:
        if column != 0 or row < 0 or row >= self.rowCount(parent):
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(row, 0, 0)
        pid = parent.internalId()
        if pid == 0:  # parent is an article
            return self.createIndex(row, 0, parent.row() + 1)
        if pid < _RULE:  # parent is a section of article pid - 1
            return self.createIndex(row, 0, _RULE | (pid - 1) << 16 | parent.row())
        return QModelIndex()

    def parent(self, index: QModelIndex = _ROOT) -> QModelIndex:  # type: ignore[override]
        if not index.isValid():
            return QModelIndex()
        iid = index.internalId()
        if iid == 0:
            return QModelIndex()
        if iid < _RULE:
            return self.createIndex(iid - 1, 0, 0)
        article, section = (iid & ~_RULE) >> 16, iid & 0xFFFF
        return self.createIndex(section, 0, article + 1)

    def rowCount(self, parent: QModelIndex = _ROOT) -> int:
        if not parent.isValid():
            return len(self._articles)
        item = self._item(parent)
        if isinstance(item, Article):
            return len(item.sections)
        if isinstance(item, Section):
            return len(item.rules)
        return 0

    def columnCount(self, parent: QModelIndex = _ROOT) -> int:
        return 1

    def hasChildren(self, parent: QModelIndex = _ROOT) -> bool:
        return self.rowCount(parent) > 0

    def flags(self, index: QModelIndex) -> Qt.ItemFlag:
        return (
            Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
            if index.isValid()
            else Qt.ItemFlag.NoItemFlags
        )

    # -- content
    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        item = self._item(index)
        if item is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            if isinstance(item, Article):
                return f"{item.line} — {item.title}"
            if isinstance(item, Section):
                return f"{item.title} ({len(item.rules)})"
            return f"{item.number}. {rule_title(item.text)}"
        if role == MARK_ROLE:
            return self._mark(index, item)
        if role == Qt.ItemDataRole.ToolTipRole:
            mark = self._mark(index, item)
            text = item.text if isinstance(item, Rule) else ""
            return "\n\n".join(t for t in (mark.tooltip if mark else "", text) if t) or None
        if role == ANCHOR_ROLE:
            return self._anchor(index, item)
        return None

    def _mark(self, index: QModelIndex, item) -> RuleMark | CountMark | None:
        if isinstance(item, Rule):
            return self._marks.get(item.id)
        count = self._counts.get(self._anchor(index, item), 0)
        return CountMark(count) if count else None

    def _item(self, index: QModelIndex) -> Article | Section | Rule | None:
        if not index.isValid():
            return None
        iid, row = index.internalId(), index.row()
        try:
            if iid == 0:
                return self._articles[row]
            if iid < _RULE:
                return self._articles[iid - 1].sections[row]
            article, section = (iid & ~_RULE) >> 16, iid & 0xFFFF
            return self._articles[article].sections[section].rules[row]
        except IndexError:
            return None

    def _anchor(self, index: QModelIndex, item) -> str:
        if isinstance(item, Article):
            return item.id
        if isinstance(item, Section):
            return f"{self._articles[index.internalId() - 1].id}/{item.id}"
        return item.id

    def find(self, anchor: str) -> QModelIndex:
        """The index of an article, a section (``article/section``) or a rule
        (``article/section/number``), or an invalid index."""
        parts = anchor.split("/")
        for cut in range(len(parts), 0, -1):  # article ids may hold '/' themselves
            row = self._rows.get("/".join(parts[:cut]))
            if row is not None:
                return self._descend(self.index(row, 0), parts[cut:])
        return QModelIndex()

    def _descend(self, index: QModelIndex, rest: list[str]) -> QModelIndex:
        article = self._articles[index.row()]
        if not rest:
            return index
        section_row = next((i for i, s in enumerate(article.sections) if s.id == rest[0]), None)
        if section_row is None:
            return QModelIndex()
        index = self.index(section_row, 0, index)
        if len(rest) == 1:
            return index
        rules = article.sections[section_row].rules
        rule_row = next((i for i, r in enumerate(rules) if str(r.number) == rest[1]), None)
        return QModelIndex() if rule_row is None or len(rest) > 2 else self.index(rule_row, 0, index)


def _unread_counts(marks: Mapping[str, RuleMark]) -> Counter[str]:
    """Unread changes per article id and per "article/section" anchor (rule ids are article/section/N)."""
    counts: Counter[str] = Counter()
    for rule_id, mark in marks.items():
        parts = rule_id.rsplit("/", 2)
        if mark.unread and len(parts) == 3:
            counts[parts[0]] += 1
            counts[f"{parts[0]}/{parts[1]}"] += 1
    return counts


class TocMarkDelegate(QStyledItemDelegate):
    """Paints a row as usual, its text shortened to leave room for a mark at its right end."""

    def paint(self, painter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        mark = index.data(MARK_ROLE)
        if mark is None:
            return super().paint(painter, option, index)
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        widget = opt.widget
        style = widget.style() if widget is not None else None
        if style is None:
            return super().paint(painter, option, index)
        text_rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, widget)
        width = pill_width(opt.font, mark.label)
        room = max(0, text_rect.width() - width - PILL_GAP)
        opt.text = opt.fontMetrics.elidedText(opt.text, Qt.TextElideMode.ElideRight, room)
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        text_w = opt.fontMetrics.horizontalAdvance(opt.text)
        left = min(text_rect.left() + text_w + PILL_GAP, text_rect.right() - width)
        pill = QRectF(left, text_rect.top() + 2, width, text_rect.height() - 4)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        paint_pill(painter, pill, opt.font, mark, on_highlight=selected)
        return None


class TocView(QTreeView):
    """Emits ``anchor_activated`` with a rule id, a section anchor or an article id."""

    anchor_activated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("toc")
        self.setHeaderHidden(True)
        self.setUniformRowHeights(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self._model = TocModel(self)
        self.setModel(self._model)
        self.setItemDelegate(TocMarkDelegate(self))
        self.activated.connect(self._emit)
        self.clicked.connect(self._emit)

    def set_kb(self, kb: KnowledgeBase) -> None:
        self._model.set_kb(kb)
        if self._model.rowCount() <= EXPAND_ARTICLES:  # a few articles: show their sections at once
            for row in range(self._model.rowCount()):
                self.expand(self._model.index(row, 0))

    def set_marks(self, marks: Mapping[str, RuleMark]) -> None:
        self._model.set_marks(marks)
        self.viewport().update()  # marks sit on rows at every depth: repaint what is in sight

    def mark_of(self, anchor: str) -> RuleMark | CountMark | None:
        """The mark shown on a rule's, a section's or an article's row (None: unmarked or unknown)."""
        index = self._model.find(anchor)
        return index.data(MARK_ROLE) if index.isValid() else None

    def reveal(self, anchor: str | None) -> None:
        """Select the item of a rule or section (keeps the contents in step with the article view)."""
        if not anchor:
            return
        index = self._model.find(anchor)
        if index.isValid():
            self.setCurrentIndex(index)
            if self.isVisible():
                self.scrollTo(index)
            else:  # expanding a section lays out all its rows (0.2 s at 2,500 rules): when seen
                self._reveal_on_show = True

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if getattr(self, "_reveal_on_show", False):
            self._reveal_on_show = False
            self.scrollTo(self.currentIndex())

    def _emit(self, index) -> None:
        anchor = index.data(ANCHOR_ROLE)
        if anchor:
            self.anchor_activated.emit(anchor)
