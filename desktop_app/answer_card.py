"""The answer card: where to transfer the call and the phrase to say, or why there is no answer.

It draws the window's current Answer (answer_state.py) and nothing else: a sure answer plainly; a
few candidates side by side when the search is not sure; «Нет ответа» when the query found nothing;
a neutral line when there is no query.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
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

from desktop_app.answer_state import ANSWER, BROWSED, CANDIDATES, EMPTY, NO_ANSWER, PENDING, Answer
from desktop_app.badges import badge_css
from desktop_app.card_parts import CandidateButton, Toast, table_html
from desktop_app.glossary_text import GlossaryTooltips, glossary_html
from kb.model import PHRASE, Article, Block, Glossary, KnowledgeBase, Rule, Section

if TYPE_CHECKING:
    from desktop_app.navigation import Target

FONT_SCALE = "fontScale"  # widget property: its font relative to the window's (kept through zoom)
PENDING_MS = 300  # a search slower than this shows «Ищу…» instead of the previous query's answer
GREY = "#6b7280"
EMPTY_TEXT = "Введите вопрос клиента — здесь появятся линия для перевода и фраза."
PHRASE_CAPTION = "Фраза для перевода"
GREETING_CAPTION = "Специалист скажет:"
NO_PHRASE_HINT = "Выберите правило в разделе: фраза для перевода зависит от раздела."


class PhraseText(QTextBrowser):
    """A read-only, frameless text that grows to fit its content and shows glossary tooltips."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setOpenLinks(False)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the keyboard stays in the search field
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.viewport().setAutoFillBackground(False)
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
    """Shows one Answer; ``copy_requested`` is wired to the «Копировать фразу» action."""

    copy_requested = Signal()
    favourite_toggled = Signal()
    candidate_chosen = Signal(object)  # Hit

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("answerCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._phrase_text = ""
        self._shown_kind = EMPTY
        self._drawn: tuple = ()
        self._build_widgets()
        self._build_layout()
        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.timeout.connect(self._show_pending)
        self._pending_query = ""
        self.show_message(EMPTY_TEXT)

    def _build_widgets(self) -> None:
        self.badge = QLabel()
        self.heading = QLabel()
        self.heading.setObjectName("cardHeading")
        self.heading.setWordWrap(True)
        self.pin = QToolButton()
        self.pin.setCheckable(True)
        self.pin.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.pin.setToolTip("Добавить в избранное / убрать из избранного (Ctrl+D)")
        self.pin.setText("☆")
        self.pin.clicked.connect(self.favourite_toggled)
        self.message = QLabel()
        self.message.setObjectName("cardMessage")
        self.message.setWordWrap(True)
        self.phrase_label = QLabel(PHRASE_CAPTION)
        self.phrase_label.setObjectName("phraseCaption")
        self.phrase = PhraseText()
        self.phrase.setObjectName("phrase")
        self.phrase.setProperty(FONT_SCALE, 1.2)
        self.copy_button = QPushButton("Копировать фразу")
        self.copy_button.setObjectName("copyButton")
        self.copy_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.copy_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.copy_button.setToolTip("Копировать фразу в буфер обмена (Ctrl+Shift+C или Ctrl+Enter)")
        self.copy_button.clicked.connect(self.copy_requested)
        self.toast = Toast()
        self.greeting_label = QLabel(GREETING_CAPTION)
        self.greeting_label.setObjectName("cardLabel")
        self.greeting = PhraseText()
        self.greeting.setObjectName("greeting")
        self.greeting.setProperty(FONT_SCALE, 0.92)
        self.greeting_label.setProperty(FONT_SCALE, 0.92)
        self.queues_label = QLabel()
        self.queues_label.setObjectName("cardLabel")
        self.queues = QLabel()
        self.queues.setObjectName("queues")
        self.queues.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.candidates = QWidget()
        self._candidate_row = QHBoxLayout(self.candidates)
        self._candidate_row.setContentsMargins(0, 2, 0, 0)
        self._candidate_row.setSpacing(8)
        self.candidate_buttons: list[CandidateButton] = []

    def _build_layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.heading, 1)
        top.addWidget(self.pin, 0, Qt.AlignmentFlag.AlignTop)
        actions = QVBoxLayout()
        actions.setSpacing(4)
        actions.addWidget(self.copy_button)
        actions.addWidget(self.toast)
        actions.addStretch(1)
        phrase_row = QHBoxLayout()
        phrase_row.addWidget(self.phrase, 1)
        phrase_row.addLayout(actions)
        greeting_row = QHBoxLayout()
        greeting_row.setSpacing(4)
        greeting_row.addWidget(self.greeting_label, 0, Qt.AlignmentFlag.AlignTop)
        greeting_row.addWidget(self.greeting, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.message)
        layout.addWidget(self.phrase_label)
        layout.addLayout(phrase_row)
        layout.addLayout(greeting_row)
        layout.addWidget(self.queues_label)
        layout.addWidget(self.queues)
        layout.addWidget(self.candidates)

    # ------------------------------------------------------------------ what the copy action reads
    def phrase_text(self) -> str:
        """The exact phrase the copy action puts on the clipboard ("" when there is none)."""
        return self._phrase_text

    def shown_kind(self) -> str:
        return self._shown_kind

    def set_pinned(self, pinned: bool) -> None:
        self.pin.setChecked(pinned)
        self.pin.setText("★" if pinned else "☆")

    def confirm(self, text: str) -> None:
        self.toast.flash(f"✓ {text}")

    # ------------------------------------------------------------------ drawing an Answer
    def show_answer(self, answer: Answer, kb: KnowledgeBase | None) -> None:
        if answer.kind == PENDING:
            self._pending_query = answer.query
            if self._shown_kind == PENDING:
                self._show_pending()  # already waiting: name the query as it is now
            elif not self._pending.isActive():
                self._pending.start(PENDING_MS)
            return
        self._pending.stop()
        key = (answer.kind, answer.target, answer.candidates, answer.ambiguous, id(kb))
        key += (answer.query,) if answer.kind == NO_ANSWER else ()
        if key == self._drawn and self._shown_kind != PENDING:
            return  # typing on within the same answer: nothing to redraw
        self._drawn = key
        if answer.kind == NO_ANSWER and kb is not None and not kb.articles:
            self.show_message(
                "<b>База знаний не загружена — ответов нет</b>",
                "Что случилось с папкой базы знаний, сказано вверху окна.",
                NO_ANSWER,
            )
        elif answer.kind == NO_ANSWER:
            self.show_message(
                f"<b>Нет ответа по запросу «{html.escape(answer.query.strip())}»</b>",
                "Уточните у клиента, что случилось, другими словами, или найдите правило в оглавлении"
                " (Ctrl+2).",
                NO_ANSWER,
            )
        elif answer.kind == CANDIDATES:
            self.show_candidates(answer)
        elif answer.kind in (ANSWER, BROWSED) and answer.target is not None and kb is not None:
            self.show_target(answer.target, kb)
        else:
            self.show_message(EMPTY_TEXT)

    def show_target(self, target: Target, kb: KnowledgeBase) -> None:
        place = resolve(kb, target)
        if place is None:
            self.show_message(f"Статья не найдена: {html.escape(target.article_id)}")
            return
        self.show_rule(*place, kb.glossary)

    def show_rule(
        self, article: Article, section: Section | None, rule: Rule | None, glossary: Glossary | None
    ) -> None:
        self._reset(ANSWER)
        label = article.line_label(section) if section else article.line
        self._set_badge(label, glossary, article.line)
        self.heading.setText(_heading(article, section, rule))
        self.heading.setToolTip(article.title)
        self._set_phrase(phrase_block(article, section, rule), glossary)
        self._set_greeting(article, glossary)
        self._set_queues(article)
        self.pin.setEnabled(rule is not None)
        self.pin.setVisible(rule is not None)  # only a rule can be pinned: no dead star elsewhere

    def show_candidates(self, answer: Answer) -> None:
        self._reset(CANDIDATES)
        if answer.ambiguous:
            lines = " и ".join(dict.fromkeys(h.line for h in answer.candidates))
            title, hint = f"Подходят разные линии: {html.escape(lines)}", "Уточните у клиента и выберите"
        else:
            title, hint = "Точного совпадения нет", "Выберите подходящее правило"
        self.heading.setText(f"<b>{title}</b>")
        keys = f"щелчок, Alt+1…{len(answer.candidates)} или ↓ в списке"
        self.message.setText(f"<span style='color:{GREY}'>{hint} ({keys}).</span>")
        self.message.show()
        for key, hit in enumerate(answer.candidates, start=1):
            button = CandidateButton(hit, key)
            for widget in (button, *button.findChildren(QWidget)):
                widget.setFont(self.font())  # the zoom: fonts do not pass to children under a style sheet
            button.chosen.connect(self.candidate_chosen)
            self._candidate_row.addWidget(button, 1)
            self.candidate_buttons.append(button)
        self.candidates.show()

    def show_message(self, heading: str, message: str = "", kind: str = EMPTY) -> None:
        self._reset(kind)
        colour = "" if kind == NO_ANSWER else f" style='color:{GREY}'"
        self.heading.setText(f"<span{colour}>{heading}</span>")
        if message:
            self.message.setText(f"<span style='color:{GREY}'>{message}</span>")
            self.message.show()

    def _show_pending(self) -> None:
        query = html.escape(self._pending_query.strip())
        self.show_message(f"Ищу ответ по запросу «{query}»…", kind=PENDING)

    # ------------------------------------------------------------------ parts
    def _reset(self, kind: str) -> None:
        self._shown_kind = kind
        self._phrase_text = ""
        self.badge.hide()
        self.heading.setToolTip("")
        for w in (self.message, self.phrase_label, self.phrase, self.copy_button, self.candidates):
            w.hide()
        for w in (self.greeting_label, self.greeting, self.queues_label, self.queues):
            w.hide()
        self.toast.dismiss()
        self.copy_button.setEnabled(False)
        self.pin.setEnabled(False)
        self.pin.hide()
        self.set_pinned(False)
        for button in self.candidate_buttons:
            button.deleteLater()
        self.candidate_buttons = []

    def _set_badge(self, label: str, glossary: Glossary | None, line: str) -> None:
        self.badge.setText(label)
        self.badge.setStyleSheet(badge_css(label))
        entry = glossary.lookup(line) if glossary else None
        self.badge.setToolTip(f"{line} — {entry.expansion}" if entry and entry.expansion else "")
        self.badge.show()

    def _set_phrase(self, block, glossary: Glossary | None) -> None:
        if block is None:
            self.message.setText(f"<span style='color:{GREY}'>{NO_PHRASE_HINT}</span>")
            self.message.show()
            return
        self._phrase_text = block.text
        self.phrase_label.setToolTip(block.label)
        self.phrase.setHtml(glossary_html(block.text, glossary))
        self.copy_button.setEnabled(True)
        for w in (self.phrase_label, self.phrase, self.copy_button):
            w.show()

    def _set_greeting(self, article: Article, glossary: Glossary | None) -> None:
        greeting = article.greeting()
        if greeting is None:
            return
        self.greeting_label.setToolTip(greeting.label)
        self.greeting.setHtml(f"«{glossary_html(greeting.text, glossary)}»")
        self.greeting_label.show()
        self.greeting.show()

    def _set_queues(self, article: Article) -> None:
        table = next((t for t in article.tables if t.rows), None)
        if table is None:
            return
        self.queues_label.setText(f"{html.escape(table.title.rstrip(':') or 'Очереди')}:")
        self.queues.setText(table_html(table))
        self.queues_label.show()
        self.queues.show()


def _heading(article: Article, section: Section | None, rule: Rule | None) -> str:
    """ "<b>Перевод на линию СС</b> — Финансовые вопросы · п.3"; the article title only if it says more."""
    line = f"<b>Перевод на линию {html.escape(article.line)}</b>"
    if section is not None:
        return f"{line} — {html.escape(section.title)}" + (f" · п.{rule.number}" if rule else "")
    title = article.title.strip()
    return line if title.casefold().startswith("перевод на линию") else f"{line} — {html.escape(title)}"


def resolve(kb: KnowledgeBase, target: Target) -> tuple[Article, Section | None, Rule | None] | None:
    """The article, section and rule a target points at (None when the article is gone)."""
    article = kb.article(target.article_id)
    if article is None:
        return None
    found = kb.find_rule(target.rule_id) if target.rule_id else None
    if found is not None:
        return found
    section_id = target.anchor.partition("/")[2] if target.anchor else ""
    return article, next((s for s in article.sections if s.id == section_id), None), None


def phrase_block(article: Article, section: Section | None, rule: Rule | None) -> Block | None:
    """The phrase to say for a rule (its section's, else the article's), or for a section / article."""
    if rule is not None:
        return article.phrase_for(rule)
    blocks = (*section.blocks, *article.blocks) if section else article.blocks
    return next((b for b in blocks if b.kind == PHRASE), None)


def answer_phrase(answer: Answer, kb: KnowledgeBase | None) -> str:
    """The phrase the current answer gives the agent to say ("" when it gives none)."""
    if kb is None or answer.target is None or answer.kind not in (ANSWER, BROWSED):
        return ""
    place = resolve(kb, answer.target)
    block = phrase_block(*place) if place else None
    return block.text if block else ""
