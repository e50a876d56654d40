"""What the article view adds to a rendered page about changes: «новое» / «изменено 01.12» after a
rule's number, and the article's version («Версия 12 от 01.12.2026») in its header.

Kept apart from the rendering (kb/render.py, desktop_app/article_render.py): the marks are set on
the laid-out page, the version rides on the article's ``date`` that the header already shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from PySide6.QtGui import QColor, QFont, QTextCharFormat, QTextCursor, QTextDocument, QTextFormat

from desktop_app.rule_marks import FILL, OUTLINE_TEXT
from kb.model import Article

RECENT_BG = "#e5e7eb"  # a read, recent change: grey, where unread ones are filled with colour


class ChangeMarks:
    """Rule id → (kind, label) marks and article id → version text, as the window last set them."""

    def __init__(self) -> None:
        self.marks: Mapping[str, tuple[str, str]] = {}
        self.versions: Mapping[str, str] = {}
        self._dated: dict[int, tuple[Article, Article]] = {}

    def set(self, marks: Mapping[str, tuple[str, str]], versions: Mapping[str, str]) -> None:
        self.marks, self.versions, self._dated = marks, versions, {}

    def dated(self, article: Article) -> Article:
        """``article`` with its version in place of the front-matter date (the same object each time
        for one article, so the view's caching by identity holds)."""
        version = self.versions.get(article.id, "")
        if not version or version == article.date:
            return article
        kept = self._dated.get(id(article))
        if kept is None or kept[0] is not article:
            kept = (article, replace(article, date=version))
            self._dated[id(article)] = kept
        return kept[1]

    def decorate(self, doc: QTextDocument, anchors: Mapping[str, int]) -> bool:
        """Insert the marks of the rules on this page after their numbers; True when any was."""
        places = sorted(((pos, rid) for rid, pos in anchors.items() if rid in self.marks), reverse=True)
        for pos, rule_id in places:  # from the end: earlier positions stay valid
            _insert_mark(doc, pos, rule_id.rsplit("/", 1)[-1] + ".", self.marks[rule_id])
        return bool(places)


def _insert_mark(doc: QTextDocument, pos: int, number: str, mark: tuple[str, str]) -> None:
    cursor = QTextCursor(doc)
    cursor.setPosition(pos)
    cursor.setPosition(pos + len(number) + 1, QTextCursor.MoveMode.KeepAnchor)
    after = pos + len(number) + 1 if cursor.selectedText().rstrip("\u00a0 ") == number else pos
    cursor.setPosition(after)
    plain = QTextCursor(doc)
    plain.setPosition(after + 1)
    text_format = plain.charFormat()
    text_format.clearProperty(QTextFormat.Property.AnchorName)
    text_format.setAnchor(False)
    cursor.insertText(f"\u00a0{mark[1]}\u00a0", mark_format(mark[0]))
    cursor.insertText("\u00a0", text_format)


def mark_format(kind: str) -> QTextCharFormat:
    fmt = QTextCharFormat()
    filled = kind in FILL
    fmt.setBackground(QColor(FILL[kind] if filled else RECENT_BG))
    fmt.setForeground(QColor("#ffffff" if filled else OUTLINE_TEXT))
    fmt.setFontWeight(QFont.Weight.Bold)
    fmt.setProperty(QTextFormat.Property.FontSizeAdjustment, -1)
    return fmt
