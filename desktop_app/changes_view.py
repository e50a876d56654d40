"""«Что изменилось»: the rules added, changed and removed since the agent last looked, old and new
text side by side with the changed words marked; each entry opens its rule (not a removed one)."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QKeyEvent, QPainter, QPalette
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from desktop_app.rule_marks import CHANGED, FILL, NEW, PILL_GAP, REMOVED, RuleMark, paint_pill, pill_width
from desktop_app.toc import rule_title
from desktop_app.wording import plural

if TYPE_CHECKING:
    from desktop_app.changes_controller import ChangesReport
    from kb.changes import RuleChange, RuleState

CHANGE_ROLE = Qt.ItemDataRole.UserRole + 30  # the RuleChange of a row
MARK_ROLE = Qt.ItemDataRole.UserRole + 31  # the RuleMark its pill shows
DELETED_CSS = "background-color:#fde2e1; color:#9b1c1c; text-decoration:line-through"
INSERTED_CSS = "background-color:#d3f3da; color:#14532d"
GREY = "#6b7280"
PAD = 8
PREVIEW = 110
EMPTY_TEXT = "Изменений нет: вы видели все правила базы знаний в их нынешнем виде."
LEGEND = (
    f"<span style='color:{GREY}'>Удалённые слова <span style='{DELETED_CSS}'>зачёркнуты</span>, "
    f"добавленные <span style='{INSERTED_CSS}'>выделены зелёным</span>.</span>"
)
NO_OLD_TEXT = "Этого правила раньше не было."
NO_NEW_TEXT = "Удалено: правила больше нет в базе знаний."
KIND_WORDS = {NEW: "Правило добавлено", CHANGED: "Правило изменено", REMOVED: "Правило удалено"}


# ---------------------------------------------------------------------------- text (no widgets)
def side_html(runs: list[tuple[str, str]], side: str) -> str:
    """One side of a word diff as HTML: ``side`` "old" shows equal and deleted words, "new" equal and
    inserted ones; what the other side lacks is marked."""
    if side == "old":
        hidden, marked, css = "insert", "delete", DELETED_CSS
    else:
        hidden, marked, css = "delete", "insert", INSERTED_CSS
    out = []
    for op, text in runs:
        if op == hidden:
            continue
        escaped = html.escape(text, quote=False)
        out.append(f"<span style='{css}'>{escaped}</span>" if op == marked else escaped)
    return "".join(out)


def place(state: RuleState) -> str:
    """ "Старшие специалисты · Финансовые вопросы · п.3" """
    return " · ".join(p for p in (state.article_title, state.section_title, f"п.{state.number}") if p)


def row_heading(state: RuleState, fm: QFontMetrics, width: int) -> str:
    """ "Финансовые вопросы · п.11" in ``width`` pixels: the section may be shortened, the number never."""
    number = f" · п.{state.number}" if state.section_title else f"п.{state.number}"
    room = max(0, width - fm.horizontalAdvance(number))
    return fm.elidedText(state.section_title, Qt.TextElideMode.ElideRight, room) + number


def change_mark(change: RuleChange, report: ChangesReport) -> RuleMark:
    """The pill of a row: «новое», «изменено 01.12» or «удалено»."""
    from kb.changes import ADDED

    if change.kind == REMOVED:
        return RuleMark(REMOVED, report.removed_on.get(change.id))
    mark = report.marks.get(change.id)
    kind = NEW if change.kind == ADDED else CHANGED
    return RuleMark(kind, mark.day if mark else None)


def haystack(change: RuleChange) -> str:
    """What the filter box searches in: place, id, old and new text."""
    states = [s for s in (change.old, change.new) if s is not None]
    return " ".join([change.id, *(place(s) for s in states[:1]), *(s.text for s in states)]).casefold()


def matches(change: RuleChange, query: str) -> bool:
    return all(word in haystack(change) for word in query.casefold().split())


def summary_text(report: ChangesReport) -> str:
    counts = {kind: 0 for kind in (NEW, CHANGED, REMOVED)}
    from kb.changes import ADDED

    for change in report.changes:
        counts[NEW if change.kind == ADDED else change.kind] += 1
    if not report.changes:
        return EMPTY_TEXT
    parts = [
        plural(counts[NEW], "новое", "новых", "новых"),
        plural(counts[CHANGED], "изменённое", "изменённых", "изменённых"),
        plural(counts[REMOVED], "удалённое", "удалённых", "удалённых"),
    ]
    unread = report.unread_count()
    tail = " Все просмотрены." if not unread else ""
    return f"С вашего последнего просмотра: {', '.join(parts)}.{tail}"


# ---------------------------------------------------------------------------- the list rows
class ChangeRowDelegate(QStyledItemDelegate):
    """A row: the pill, where the rule is (bold), and the start of its text."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        change = index.data(CHANGE_ROLE)
        if change is None:
            return super().paint(painter, option, index)
        painter.save()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        if selected:
            painter.fillRect(option.rect, option.palette.highlight())
        painter.setPen(option.palette.color(QPalette.ColorRole.Mid))
        painter.drawLine(option.rect.bottomLeft(), option.rect.bottomRight())
        rect = option.rect.adjusted(PAD, PAD // 2 + 2, -PAD, -PAD // 2)
        line_h = QFontMetrics(option.font).height()
        mark = index.data(MARK_ROLE)
        width = pill_width(option.font, mark.label)
        paint_pill(painter, QRectF(rect.left(), rect.top(), width, line_h + 2), option.font, mark, selected)
        bold = QFont(option.font)
        bold.setBold(True)
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.setPen(option.palette.color(text_role))
        state = change.new or change.old
        head = rect.adjusted(width + PILL_GAP, 0, 0, 0)
        head.setHeight(line_h + 2)
        painter.setFont(bold)
        elide = Qt.TextElideMode.ElideRight
        align = Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft
        fm = QFontMetrics(bold)
        heading = row_heading(state, fm, head.width())
        painter.drawText(head, align, heading)
        grey = option.palette.color(text_role if selected else QPalette.ColorRole.PlaceholderText)
        painter.setPen(grey)
        painter.setFont(option.font)
        rest = head.adjusted(fm.horizontalAdvance(heading), 0, 0, 0)
        article = QFontMetrics(option.font).elidedText(f" — {state.article_title}", elide, rest.width())
        painter.drawText(rest, align, article)
        body = rect.adjusted(0, line_h + 6, 0, 0)
        body.setHeight(line_h)
        text = rule_title(state.text, PREVIEW)
        painter.drawText(body, align, QFontMetrics(option.font).elidedText(text, elide, body.width()))
        painter.restore()
        return None

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        if index.data(CHANGE_ROLE) is None:
            return super().sizeHint(option, index)
        return QSize(200, 2 * QFontMetrics(option.font).height() + 6 + PAD + 4)


# ---------------------------------------------------------------------------- the dialog
class ChangesDialog(QDialog):
    """The «Что изменилось» view; emits ``rule_requested`` (rule id) and ``mark_all_requested``."""

    rule_requested = Signal(str)
    mark_all_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("changesDialog")
        self.setWindowTitle("Что изменилось в базе знаний")
        self.summary = QLabel()
        self.summary.setObjectName("changesSummary")
        self.summary.setWordWrap(True)
        self.filter = QLineEdit()
        self.filter.setObjectName("changesFilter")
        self.filter.setPlaceholderText("Найти в списке: слово, раздел или номер правила")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._apply_filter)
        self.list = QListWidget()
        self.list.setObjectName("changesList")
        self.list.setItemDelegate(ChangeRowDelegate(self.list))
        self.list.setUniformItemSizes(True)
        self.list.currentItemChanged.connect(lambda item, _prev: self._show(item))
        self.list.itemActivated.connect(lambda _item: self.open_current())
        self.list.itemDoubleClicked.connect(lambda _item: self.open_current())
        self.heading = QLabel()
        self.heading.setObjectName("changeHeading")
        self.heading.setWordWrap(True)
        self.heading.setTextFormat(Qt.TextFormat.RichText)
        self.old_view, self.new_view = _text_pane(), _text_pane()
        self.old_view.setObjectName("oldText")
        self.new_view.setObjectName("newText")
        self.legend = QLabel(LEGEND)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.open_button = QPushButton("Открыть правило")
        self.open_button.clicked.connect(self.open_current)
        self.mark_button = QPushButton("Отметить все как прочитанные")
        self.mark_button.setObjectName("markAllRead")
        self.mark_button.clicked.connect(self.mark_all_requested)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.open_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.mark_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self._layout(buttons)
        self._report: ChangesReport | None = None
        self._fit_to_parent(parent)

    # ------------------------------------------------------------------ content
    def set_report(self, report: ChangesReport) -> None:
        """Show ``report``'s changes; the selected entry and the filter stay where they can."""
        current = self.current_change()
        keep = current.id if current is not None else None
        self._report = report
        self.summary.setText(summary_text(report))
        self.mark_button.setEnabled(report.unread_count() > 0)
        self.list.clear()
        for change in report.changes:
            item = QListWidgetItem()
            item.setData(CHANGE_ROLE, change)
            item.setData(MARK_ROLE, change_mark(change, report))
            item.setData(Qt.ItemDataRole.DisplayRole, f"{change_mark(change, report).label}: {change.id}")
            item.setToolTip(change_mark(change, report).tooltip)
            self.list.addItem(item)
        self._apply_filter(self.filter.text())
        rows = [r for r in range(self.list.count()) if not self.list.item(r).isHidden()]
        again = next((r for r in rows if self.list.item(r).data(CHANGE_ROLE).id == keep), None)
        if rows:
            self.list.setCurrentRow(again if again is not None else rows[0])
        else:
            self._show(None)

    def current_change(self) -> RuleChange | None:
        item = self.list.currentItem()
        return item.data(CHANGE_ROLE) if item is not None and not item.isHidden() else None

    def shown_ids(self) -> list[str]:
        """Ids of the entries the filter lets through, in list order."""
        items = (self.list.item(r) for r in range(self.list.count()))
        return [i.data(CHANGE_ROLE).id for i in items if not i.isHidden()]

    def select(self, rule_id: str) -> bool:
        for row in range(self.list.count()):
            item = self.list.item(row)
            if item.data(CHANGE_ROLE).id == rule_id and not item.isHidden():
                self.list.setCurrentRow(row)
                return True
        return False

    def open_current(self) -> None:
        """Open the selected rule in the window (a removed rule has nothing to open)."""
        change = self.current_change()
        if change is None or change.kind == REMOVED:
            return
        self.rule_requested.emit(change.id)
        self.accept()

    # ------------------------------------------------------------------ internals
    def _show(self, item: QListWidgetItem | None) -> None:
        change = item.data(CHANGE_ROLE) if item is not None else None
        self.open_button.setEnabled(change is not None and change.kind != REMOVED)
        self.open_button.setToolTip(
            "Правило удалено из базы знаний: открыть нечего" if change and change.kind == REMOVED else ""
        )
        if change is None:
            self.heading.setText("")
            self.old_view.setHtml("")
            self.new_view.setHtml("")
            return
        mark = item.data(MARK_ROLE)
        colour = FILL.get(mark.kind, GREY)
        state = change.new or change.old
        self.heading.setText(
            f"<span style='color:{colour}; font-weight:bold'>{html.escape(_kind_words(mark))}</span>"
            f" &nbsp;<b>{html.escape(place(state))}</b>"
        )
        runs = change.word_diff()
        self.old_view.setHtml(side_html(runs, "old") if change.old else _note(NO_OLD_TEXT))
        self.new_view.setHtml(side_html(runs, "new") if change.new else _note(NO_NEW_TEXT))

    def _apply_filter(self, text: str) -> None:
        for row in range(self.list.count()):
            item = self.list.item(row)
            item.setHidden(not matches(item.data(CHANGE_ROLE), text))
        current = self.list.currentItem()
        if current is None or current.isHidden():
            visible = [r for r in range(self.list.count()) if not self.list.item(r).isHidden()]
            if visible:
                self.list.setCurrentRow(visible[0])
            else:
                self.list.setCurrentRow(-1)
                self._show(None)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up) and self.filter.hasFocus():
            self.list.setFocus()  # from the filter box straight into the list
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.filter.hasFocus():
            self.open_current()
            return
        super().keyPressEvent(event)

    def _layout(self, buttons: QDialogButtonBox) -> None:
        detail = QWidget()
        columns = QHBoxLayout()
        columns.setSpacing(8)
        for caption, view in (("Было", self.old_view), ("Стало", self.new_view)):
            box = QVBoxLayout()
            title = QLabel(f"<b>{caption}</b>")
            box.addWidget(title)
            box.addWidget(view, 1)
            columns.addLayout(box, 1)
        right = QVBoxLayout(detail)
        right.setContentsMargins(8, 0, 0, 0)
        right.addWidget(self.heading)
        right.addLayout(columns, 1)
        right.addWidget(self.legend)
        left = QWidget()
        left_box = QVBoxLayout(left)
        left_box.setContentsMargins(0, 0, 0, 0)
        left_box.addWidget(self.filter)
        left_box.addWidget(self.list, 1)
        hint = QLabel(f"<span style='color:{GREY}'>Enter или двойной щелчок — открыть правило</span>")
        left_box.addWidget(hint)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(detail)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setChildrenCollapsible(False)
        self.splitter = split
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(split, 1)
        layout.addWidget(buttons)

    def _fit_to_parent(self, parent: QWidget | None) -> None:
        width, height = 1120, 640
        if parent is not None and parent.width() > 0:
            width, height = min(width, parent.width() - 40), min(height, parent.height() - 40)
        self.resize(max(720, width), max(440, height))
        self.splitter.setSizes([int(self.width() * 0.4), int(self.width() * 0.6)])


def _text_pane() -> QTextBrowser:
    view = QTextBrowser()
    view.setOpenLinks(False)
    view.document().setDocumentMargin(8)
    return view


def _note(text: str) -> str:
    return f"<p style='color:{GREY}'><i>{html.escape(text)}</i></p>"


def _kind_words(mark: RuleMark) -> str:
    day = f" {mark.day.strftime('%d.%m.%Y')}" if mark.day else ""
    return KIND_WORDS.get(mark.kind, KIND_WORDS[CHANGED]) + day
