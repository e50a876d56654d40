"""The article view: rendered article, scrolled to a rule, safe links, glossary tooltips, zoom.

A big article is shown a page at a time (kb/article_pages.py), the page holding the rule asked for,
rendered off the GUI thread (desktop_app/article_render.py); the GUI thread only lays out a page of
bounded size. The view loads no resource itself: images come decoded with the page, anything else
Qt asks for is refused (see ``loadResource``).
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from functools import cache
from pathlib import Path

from PySide6.QtCore import QMimeData, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QImage,
    QTextCharFormat,
    QTextCursor,
    QTextDocument,
)
from PySide6.QtWidgets import QTextBrowser, QWidget

from desktop_app.article_marks import ChangeMarks
from desktop_app.article_render import (
    PageRequest,
    RenderedPage,
    fits_gui_thread,
    load_files,
    quick_plan,
    render,
    render_all,
)
from desktop_app.glossary_text import GlossaryTooltips
from desktop_app.worker import BackgroundRunner
from kb.article_pages import PAGE_LINK, ArticlePlan
from kb.model import Article, Glossary
from kb.render import ZWSP

log = logging.getLogger(__name__)

EXTERNAL_SCHEMES = ("http", "https")
CONTEXT_LINES = 2.5
MAX_LINE_CHARS = 150
ABBR_UNDERLINE = "#8a94a3"
SELECTED_BG = "#fff4c2"  # as kb.render.SELECTED_BG
NOTICE = '<div style="color:#6b7280; margin:24px"><p style="font-size:large">{title}</p><p>{body}</p></div>'
WAIT_NOTICE_MS = 250  # a page still being rendered after this long: say so
WAIT_HTML = NOTICE.format(title="Открываю статью…", body="Статья большая: она показывается по частям.")
FAILED_HTML = NOTICE.format(title="Не удалось показать статью.", body="{error}")
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
        self._wanted: tuple[str | None, str | None] = (None, None)  # rule to mark, anchor to reach
        self._plan: ArticlePlan | None = None  # the last article's pages
        self._page = 0
        self._request: PageRequest | None = None  # what the page shown was rendered from
        self._pending: PageRequest | None = None  # a page on its way from the worker
        self._generation = 0  # bumped by every request: a late page of an older one is dropped
        self._images: dict[str, QImage] = {}
        self._runner = BackgroundRunner(threads=1, parent=self)
        self._tooltips = GlossaryTooltips(self)
        self._changes = ChangeMarks()  # «новое» / «изменено 01.12», «Версия …» (set_change_marks)
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
        kb_root: Path | None = None,
    ) -> None:
        """Render ``article`` (only when it or the query changed), mark the rule, scroll to ``anchor``.

        The rendering is kept while the agent moves between rules of one article: the selected
        rule's background is set on its table cell, so ↓/↑ through results stays instant. A big
        article shows the page holding ``anchor``; it is rendered in the background, and the rule
        is marked and scrolled to once it is there.
        """
        article = self._changes.dated(article)
        self._wanted = (selected_rule, anchor)
        plan = self._plan if self._plan is not None and self._plan.article is article else None
        plan = plan or quick_plan(article)
        page = plan.page_for(anchor or selected_rule) if plan is not None else None
        request = PageRequest(
            article, glossary, highlight, anchor or selected_rule, page, plan, kb_root, highlight_key
        )
        if page is not None and request.key(page) == self._shown:
            self._cancel_pending()
            self._land()
        elif not _same_target(self._pending, request):
            self._render(request)

    def _render(self, request: PageRequest) -> None:
        """Render now when the page is small, else on the worker (the old page stays until then)."""
        self._generation += 1
        request = replace(request, generation=self._generation)
        self._pending = request
        if request.plan is not None and fits_gui_thread(request.plan, request.page or 0):
            rendered = render(request)
            if not rendered.images.requests:
                self._apply(rendered)
                return
            job = lambda: load_files(rendered)  # noqa: E731  (reading images: never here)
        else:
            job = lambda: render_all(request)  # noqa: E731
        generation = self._generation
        self._runner.submit(job, self._on_rendered, lambda exc: self._on_render_failed(exc, generation))
        QTimer.singleShot(WAIT_NOTICE_MS, lambda generation=self._generation: self._show_wait(generation))

    def _on_rendered(self, rendered: RenderedPage) -> None:
        if rendered.request.generation == self._generation:  # else the agent has moved on
            self._apply(rendered)

    def _on_render_failed(self, exc: BaseException, generation: int) -> None:
        log.error("article rendering failed", exc_info=exc)
        if generation != self._generation:
            return  # the agent has moved on
        self._pending = None
        self._set_page(FAILED_HTML.format(error=html.escape(str(exc)[:300])))

    def _show_wait(self, generation: int) -> None:
        if generation == self._generation and self._pending is not None:
            self._set_page(WAIT_HTML)

    def _cancel_pending(self) -> None:
        self._generation += 1
        self._pending = None

    def _apply(self, rendered: RenderedPage) -> None:
        """Lay out a rendered page (the one GUI-thread step: bounded by the page's size)."""
        from kb.render import ARTICLE_CSS

        self._pending = None
        self._plan, self._page, self._request = rendered.plan, rendered.page, rendered.request
        self._images = rendered.loaded
        self.document().setDefaultStyleSheet(ARTICLE_CSS)
        self.setHtml(rendered.html)
        self.document().pageCount()  # lay it all out now: see _set_rule_background
        self._anchors = prepare_document(self.document())
        if self._changes.decorate(self.document(), self._anchors):
            self._anchors = prepare_document(self.document())
        self._selected = None
        self._limit_line_length()
        self._shown = rendered.request.key(rendered.page)
        self._land()

    def _land(self) -> None:
        """Mark the rule asked for and scroll to its anchor, when they are on the page shown."""
        selected, anchor = self._wanted
        self._mark_selected(selected)
        self.scroll_to(anchor if anchor in self._anchors else None)

    def page(self) -> tuple[int, int]:
        """The page shown and how many the article has ((0, 1) for an ordinary article)."""
        pages = len(self._plan.pages) if self._plan is not None and self._anchors else 1
        return (self._page if self._anchors else 0), pages

    def show_page(self, number: int) -> None:
        """Another page of the article shown (its links: «следующая часть» …); the answer stays."""
        if self._request is None or self._plan is None or not self._anchors:
            return
        number = max(0, min(number, len(self._plan.pages) - 1))
        self._wanted = (self._wanted[0], None)
        request = replace(self._request, page=number, anchor=None, plan=self._plan)
        if request.key(number) != self._shown:
            self._render(request)

    # ------------------------------------------------------------------ resources and copying
    def loadResource(self, kind: int, name: QUrl):
        """Images of the page come decoded with it; nothing else is loaded, and Qt is never left to
        read a path itself (QTextDocument opens any local path it is handed when this gives nothing)."""
        image = self._images.get(name.toString())
        if image is not None:
            return image
        log.debug("resource not loaded: %s", name.toString()[:200])
        return _blank_image() if kind == QTextDocument.ResourceType.ImageResource.value else ""

    def createMimeDataFromSelection(self) -> QMimeData:
        """Copied text without the zero-width spaces that let long words wrap on screen."""
        data = super().createMimeDataFromSelection()
        if ZWSP in data.text():
            text, markup = data.text().replace(ZWSP, ""), data.html().replace(ZWSP, "")
            data.setText(text)
            if markup:
                data.setHtml(markup)
        return data

    def set_change_marks(self, marks: Mapping[str, tuple[str, str]], versions: Mapping[str, str]) -> None:
        """Rule id → (kind, label) «новое» / «изменено 01.12» marks and article id → «Версия …»:
        drawn from the next ``show_article`` on (desktop_app/changes_controller.py)."""
        self._changes.set(marks, versions)
        self._shown = None  # the page shown is drawn again, with them

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
        self._cancel_pending()
        if self._shown != ("notice", body):
            self._set_page(body)

    def _set_page(self, body: str) -> None:
        self._shown = ("notice", body)
        self._selected = None
        self._anchors = {}
        self._images = {}
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
        if kind == "anchor" and target.startswith(PAGE_LINK) and target[len(PAGE_LINK) :].isdecimal():
            self.show_page(int(target[len(PAGE_LINK) :]))
        elif kind == "anchor":
            self.anchor_requested.emit(target)
        elif kind == "external":
            QDesktopServices.openUrl(QUrl(target))
            self.external_opened.emit(target)
        else:
            log.info("refused link %s", target)
            self.link_refused.emit(target)


def _same_target(pending: PageRequest | None, request: PageRequest) -> bool:
    """Whether the page on its way is the one ``request`` asks for (then it is not asked again)."""
    if pending is None or pending.key(pending.page) != request.key(request.page):
        return False
    return pending.page is not None or pending.anchor == request.anchor


@cache
def _blank_image() -> QImage:
    """What Qt gets for a resource that is not loaded: a transparent pixel (never "nothing")."""
    image = QImage(1, 1, QImage.Format.Format_ARGB32)
    image.fill(0)
    return image
