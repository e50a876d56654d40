"""The answer card: where to transfer the call, the phrase to say, a copy button, the greeting."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QTextOption
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.badges import badge_css
from desktop_app.glossary_text import GlossaryTooltips, glossary_html
from kb.model import Article, Glossary, Rule, Section


class PhraseText(QTextBrowser):
    """A read-only, frameless text that grows to fit its content and shows glossary tooltips."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setOpenLinks(False)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.viewport().setAutoFillBackground(False)
        self.setStyleSheet("background: transparent;")
        self.document().setDocumentMargin(2)
        self.document().contentsChanged.connect(self._fit)
        self._tooltips = GlossaryTooltips(self)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        self.document().setTextWidth(self.viewport().width())
        self.setFixedHeight(int(self.document().size().height()) + 4)


class AnswerCard(QFrame):
    """Shows the answer for one rule; ``copy_requested`` is wired to the «Копировать фразу» action."""

    copy_requested = Signal()
    favourite_toggled = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("answerCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._phrase_text = ""
        self.badge = QLabel()
        self.heading = QLabel()
        self.heading.setObjectName("cardHeading")
        self.heading.setWordWrap(True)
        self.pin = QToolButton()
        self.pin.setCheckable(True)
        self.pin.setToolTip("Добавить в избранное / убрать из избранного (Ctrl+D)")
        self.pin.setText("☆")
        self.pin.clicked.connect(self.favourite_toggled)
        self.phrase_label = QLabel("Фраза для перевода:")
        self.phrase_label.setObjectName("cardLabel")
        self.phrase = PhraseText()
        self.copy_button = QPushButton("Копировать фразу")
        self.copy_button.setToolTip("Копировать фразу в буфер обмена (Ctrl+Shift+C)")
        self.copy_button.clicked.connect(self.copy_requested)
        self.greeting_label = QLabel("Приветствие на линии:")
        self.greeting_label.setObjectName("cardLabel")
        self.greeting = PhraseText()
        self._build_layout()
        self.show_rule(None, None, None, None)

    def _build_layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.heading, 1)
        top.addWidget(self.pin, 0, Qt.AlignmentFlag.AlignTop)
        phrase_row = QHBoxLayout()
        phrase_row.addWidget(self.phrase, 1)
        phrase_row.addWidget(self.copy_button, 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.phrase_label)
        layout.addLayout(phrase_row)
        layout.addWidget(self.greeting_label)
        layout.addWidget(self.greeting)

    def phrase_text(self) -> str:
        """The exact phrase the copy action puts on the clipboard ("" when there is none)."""
        return self._phrase_text

    def set_pinned(self, pinned: bool) -> None:
        self.pin.setChecked(pinned)
        self.pin.setText("★" if pinned else "☆")

    def show_rule(
        self, article: Article | None, section: Section | None, rule: Rule | None, glossary: Glossary | None
    ) -> None:
        if article is None:
            self._show_nothing()
            return
        label = article.line_label(section) if section else article.line
        self.badge.setText(label)
        self.badge.setStyleSheet(badge_css(label))
        entry = glossary.lookup(article.line) if glossary else None
        self.badge.setToolTip(f"{article.line} — {entry.expansion}" if entry and entry.expansion else "")
        self.badge.show()
        where = section.title if section else article.title
        where += f" · п.{rule.number}" if rule else ""
        self.heading.setText(f"<b>Перевод на линию {html.escape(article.line)}</b> — {html.escape(where)}")
        self.heading.setToolTip(article.title)
        block = article.phrase_for(rule) if rule else _section_phrase(article, section)
        self._phrase_text = block.text if block else ""
        self.phrase_label.setText(_caption(block.label if block else "", "Фраза для перевода"))
        self.phrase.setHtml(
            glossary_html(self._phrase_text, glossary) if block else "<i>Фраза не указана</i>"
        )
        self.copy_button.setEnabled(bool(block))
        self.pin.setEnabled(rule is not None)
        greeting = article.greeting()
        self.greeting_label.setVisible(greeting is not None)
        self.greeting.setVisible(greeting is not None)
        if greeting is not None:
            self.greeting_label.setText(_caption(greeting.label, "Приветствие на линии"))
            self.greeting.setHtml(glossary_html(greeting.text, glossary))
        for w in (self.phrase_label, self.phrase, self.copy_button):
            w.show()

    def _show_nothing(self) -> None:
        self._phrase_text = ""
        self.badge.hide()
        self.heading.setText(
            "<span style='color:#6b7280'>Выберите правило, чтобы увидеть фразу для перевода</span>"
        )
        for w in (self.phrase_label, self.phrase, self.greeting_label, self.greeting, self.copy_button):
            w.hide()
        self.copy_button.setEnabled(False)
        self.pin.setEnabled(False)


def _caption(label: str, default: str) -> str:
    label = label.strip().rstrip(":").strip()
    return f"{label or default}:"


def _section_phrase(article: Article, section: Section | None):
    from kb.model import PHRASE

    blocks = (*section.blocks, *article.blocks) if section else article.blocks
    return next((b for b in blocks if b.kind == PHRASE), None)
