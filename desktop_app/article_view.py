"""The article view: rendered article, scrolled to a rule, safe links, glossary tooltips, zoom."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from PySide6.QtCore import QTimer, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices, QTextCharFormat, QTextCursor, QTextDocument
from PySide6.QtWidgets import QTextBrowser, QWidget

from desktop_app.glossary_text import GlossaryTooltips
from kb.model import Article, Glossary

log = logging.getLogger(__name__)

EXTERNAL_SCHEMES = ("http", "https")
CONTEXT_LINES = 2.5
MAX_LINE_CHARS = 150
ABBR_UNDERLINE = "#8a94a3"
SELECTED_BG = "#fff4c2"  # as kb.render.SELECTED_BG
NOTICE = '<div style="color:#6b7280; margin:24px"><p style="font-size:large">{title}</p><p>{body}</p></div>'
EMPTY_HTML = NOTICE.format(
    title="Начните вводить вопрос клиента в поле поиска.",
    body="↓/↑ — выбор результата, Enter — открыть правило, Ctrl+Shift+C — копировать фразу,"
    " Esc — очистить поиск, F1 — все сочетания клавиш.",
)


def prepare_document(doc: QTextDocument) -> dict[str, int]:
    """Give glossary terms a grey dotted underline (unlike links); return anchor name → position."""
    style = QTextCharFormat()
    style.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DotLine)
    style.setUnderlineColor(QColor(ABBR_UNDERLINE))
    cursor = QTextCursor(doc)
    anchors: dict[str, int] = {}
    block = doc.begin()
    while block.isValid():
        for rng in block.textFormats():  # (not QTextBlock.iterator: its += leaks refs in PySide)
            start = block.position() + rng.start
            for name in rng.format.anchorNames():
                anchors.setdefault(name, start)
            if rng.format.toolTip() and not rng.format.isAnchor():
                cursor.setPosition(start)
                cursor.setPosition(start + rng.length, QTextCursor.MoveMode.KeepAnchor)
                cursor.mergeCharFormat(style)
        block = block.next()
    return anchors


def classify_link(url: QUrl) -> tuple[str, str]:
    """("anchor", id) for in-app links, ("external", url) for http(s), ("refused", url) otherwise."""
    scheme = url.scheme().lower()
    if not scheme and not url.path() and url.fragment():
        return "anchor", url.fragment()
    if scheme in EXTERNAL_SCHEMES and url.host():
        return "external", url.toString()
    return "refused", url.toString()


class ArticleView(QTextBrowser):
    """Shows one article at a time; emits ``anchor_requested`` for in-app links."""

    anchor_requested = Signal(str)
    link_refused = Signal(str)
    external_opened = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.setObjectName("articleView")
        self.document().setDocumentMargin(14)
        self._shown: tuple | None = ("notice", EMPTY_HTML)
        self._anchors: dict[str, int] = {}
        self._selected: str | None = None
        self._tooltips = GlossaryTooltips(self)
        self._changes: tuple = ({}, {}, 0)  # see set_change_marks
        self.anchorClicked.connect(self._on_anchor_clicked)
        self.setHtml(EMPTY_HTML)

    # ------------------------------------------------------------------ content
    def show_article(
        self,
        article: Article,
        glossary: Glossary | None,
        selected_rule: str | None,
        anchor: str | None,
        highlight: Callable[[str], list[tuple[int, int]]] | None,
        highlight_key: tuple = (),
    ) -> None:
        """Render ``article`` (only when it or the query changed), mark the rule, scroll to ``anchor``.

        The rendering is kept while the agent moves between rules of one article: the selected
        rule's background is set on its table cell, so ↓/↑ through results stays instant.
        """
        key = (id(article), id(glossary), highlight_key, self._changes[2])
        if key != self._shown:
            from kb.render import ARTICLE_CSS, render_article

            self.document().setDefaultStyleSheet(ARTICLE_CSS)
            marks, versions = self._changes[:2]
            version = versions.get(article.id, "")
            self.setHtml(render_article(article, glossary, None, highlight, marks=marks, version=version))
            self.document().pageCount()  # lay it all out now: see _set_rule_background
            self._anchors = prepare_document(self.document())
            self._selected = None
            self._limit_line_length()
            self._shown = key
        self._mark_selected(selected_rule)
        self.scroll_to(anchor)

    def set_change_marks(self, marks: Mapping[str, tuple[str, str]], versions: Mapping[str, str]) -> None:
        """Rule id → (kind, label) «новое» / «изменено 01.12» marks and article id → «версия …»:
        drawn from the next ``show_article`` on (desktop_app/changes_controller.py)."""
        self._changes = (marks, versions, self._changes[2] + 1)

    def selected_rule(self) -> str | None:
        return self._selected

    def _mark_selected(self, rule_id: str | None) -> None:
        if rule_id == self._selected:
            return
        if self._selected is not None:
            self._set_rule_background(self._selected, None)
        self._selected = rule_id if rule_id and self._set_rule_background(rule_id, SELECTED_BG) else None

    def _set_rule_background(self, rule_id: str, colour: str | None) -> bool:
        """Colour (or clear) the table cell that holds a rule; False when the rule is not here."""
        pos = self._anchors.get(rule_id)
        if pos is None:
            return False
        cursor = QTextCursor(self.document())
        cursor.setPosition(pos)
        table = cursor.currentTable()
        if table is None:
            return False
        cell = table.cellAt(cursor)
        fmt = cell.format()
        if colour:
            fmt.setBackground(QColor(colour))
        else:
            fmt.clearBackground()
        cell.setFormat(fmt)
        return True

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._limit_line_length()

    def _limit_line_length(self) -> None:
        """Keep lines readable on wide screens (no wider than MAX_LINE_CHARS characters), and leave
        room below the last rule so that it, too, can be scrolled to the landing place."""
        limit = self.fontMetrics().averageCharWidth() * MAX_LINE_CHARS
        root = self.document().rootFrame()
        fmt = root.frameFormat()
        margin = max(0, self.viewport().width() - limit)
        bottom = max(self.document().documentMargin(), self.viewport().height() - self.context_px())
        # the bottom room only grows: re-laying out the whole article each time the card's height
        # changes would cost more than a little blank space after the last rule
        bottom = max(bottom, fmt.bottomMargin())
        if self._anchors and (fmt.rightMargin() != margin or fmt.bottomMargin() != bottom):
            fmt.setRightMargin(margin)
            fmt.setBottomMargin(bottom)
            root.setFrameFormat(fmt)
        elif not self._anchors and fmt.rightMargin() != margin:
            fmt.setRightMargin(margin)
            root.setFrameFormat(fmt)

    def context_px(self) -> int:
        """How far below the top an opened rule lands: the lines above it stay in sight."""
        return int(self.fontMetrics().lineSpacing() * CONTEXT_LINES)

    def clear_article(self) -> None:
        self.show_notice(EMPTY_HTML)

    def show_notice(self, body: str) -> None:
        """A neutral page instead of an article (no query, no answer, choose a candidate)."""
        if self._shown == ("notice", body):
            return
        self._shown = ("notice", body)
        self._selected = None
        self._anchors = {}
        self.document().setDefaultStyleSheet("")
        self.setHtml(body)
        self._limit_line_length()

    def shows_article(self) -> bool:
        return bool(self._anchors)

    def scroll_to(self, anchor: str | None) -> None:
        """Put ``anchor`` near the top, leaving a line of context above it."""
        if anchor:
            self._scroll_with_context(anchor)
            QTimer.singleShot(0, lambda: self._scroll_with_context(anchor))  # again once laid out
        else:
            self.verticalScrollBar().setValue(0)

    def _scroll_with_context(self, anchor: str) -> None:
        pos = self._anchors.get(anchor)
        if pos is None:
            self.scrollToAnchor(anchor)
            return
        block = self.document().findBlock(pos)
        top = self.document().documentLayout().blockBoundingRect(block).top()
        self.verticalScrollBar().setValue(max(0, int(top) - self.context_px()))

    # ------------------------------------------------------------------ links
    def _on_anchor_clicked(self, url: QUrl) -> None:
        kind, target = classify_link(url)
        if kind == "anchor":
            self.anchor_requested.emit(target)
        elif kind == "external":
            QDesktopServices.openUrl(QUrl(target))
            self.external_opened.emit(target)
        else:
            log.info("refused link %s", target)
            self.link_refused.emit(target)
