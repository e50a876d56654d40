"""The article view: rendered article, scrolled to a rule, safe links, glossary tooltips, zoom."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QTimer, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices, QTextCharFormat, QTextCursor, QTextDocument
from PySide6.QtWidgets import QTextBrowser, QWidget

from desktop_app.glossary_text import GlossaryTooltips
from kb.model import Article, Glossary

log = logging.getLogger(__name__)

EXTERNAL_SCHEMES = ("http", "https")
CONTEXT_LINES = 1.5
MAX_LINE_CHARS = 150
ABBR_UNDERLINE = "#8a94a3"
EMPTY_HTML = (
    '<div style="color:#6b7280; margin:24px">'
    "<p style='font-size:large'>Начните вводить вопрос клиента в поле поиска.</p>"
    "<p>↓/↑ — выбор результата, Enter — открыть правило, Ctrl+Shift+C — копировать фразу,"
    " Esc — очистить поиск.</p></div>"
)


def dot_underline_abbreviations(doc: QTextDocument) -> None:
    """Glossary terms (text with a tooltip) get a grey dotted underline, unlike links."""
    style = QTextCharFormat()
    style.setUnderlineStyle(QTextCharFormat.UnderlineStyle.DotLine)
    style.setUnderlineColor(QColor(ABBR_UNDERLINE))
    cursor = QTextCursor(doc)
    block = doc.begin()
    while block.isValid():
        for rng in block.textFormats():  # (not QTextBlock.iterator: its += leaks refs in PySide)
            if rng.format.toolTip() and not rng.format.isAnchor():
                cursor.setPosition(block.position() + rng.start)
                cursor.setPosition(block.position() + rng.start + rng.length, QTextCursor.MoveMode.KeepAnchor)
                cursor.mergeCharFormat(style)
        block = block.next()


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
        self._shown: tuple | None = None
        self._tooltips = GlossaryTooltips(self)
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
        """Render ``article`` (skipped when nothing changed) and scroll to ``anchor``."""
        key = (id(article), id(glossary), selected_rule, highlight_key)
        if key != self._shown:
            from kb.render import ARTICLE_CSS, render_article

            self.document().setDefaultStyleSheet(ARTICLE_CSS)
            self.setHtml(render_article(article, glossary, selected_rule=selected_rule, highlight=highlight))
            dot_underline_abbreviations(self.document())
            self._limit_line_length()
            self._shown = key
        self.scroll_to(anchor)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._limit_line_length()

    def _limit_line_length(self) -> None:
        """Keep lines readable on wide screens: text no wider than MAX_LINE_CHARS characters."""
        limit = self.fontMetrics().averageCharWidth() * MAX_LINE_CHARS
        root = self.document().rootFrame()
        fmt = root.frameFormat()
        margin = max(0, self.viewport().width() - limit)
        if fmt.rightMargin() != margin:
            fmt.setRightMargin(margin)
            root.setFrameFormat(fmt)

    def clear_article(self) -> None:
        self._shown = None
        self.setHtml(EMPTY_HTML)

    def scroll_to(self, anchor: str | None) -> None:
        """Put ``anchor`` near the top, leaving a line of context above it."""
        if anchor:
            self._scroll_with_context(anchor)
            QTimer.singleShot(0, lambda: self._scroll_with_context(anchor))  # again once laid out
        else:
            self.verticalScrollBar().setValue(0)

    def _scroll_with_context(self, anchor: str) -> None:
        self.scrollToAnchor(anchor)
        bar = self.verticalScrollBar()
        if bar.value() > 0:
            bar.setValue(max(0, bar.value() - int(self.fontMetrics().lineSpacing() * CONTEXT_LINES)))

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
