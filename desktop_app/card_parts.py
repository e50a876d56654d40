"""Pieces of the answer card: a candidate to choose, the copy confirmation, a transfer-queue table."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import QEasingCurve, QPropertyAnimation, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QGraphicsOpacityEffect,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop_app.badges import badge_css
from desktop_app.hit_model import hit_heading
from kb.model import Table

if TYPE_CHECKING:
    from index import Hit

TOAST_MS = 1600  # fully visible, then it fades out
FADE_MS = 400
CANDIDATE_CHARS = 110


class CandidateButton(QPushButton):
    """One of the few hits offered when the search is not sure: badge, rule, the rule's first words."""

    chosen = Signal(object)  # Hit

    def __init__(self, hit: Hit, key: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hit = hit
        self.setObjectName("candidate")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # click or Alt+N: typing stays in the search field
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Minimum)
        self.setToolTip(f"{hit.text}\n\nВыбрать: Alt+{key} или щелчок")
        self.setAccessibleName(f"Вариант {key}: {hit.line_label}, {hit_heading(hit)}")
        self.badge = _label(hit.line_label)
        self.badge.setStyleSheet(badge_css(hit.line_label))
        self.title = _label(
            f"<b>{html.escape(hit_heading(hit))}</b>  <span style='color:#6b7280'>Alt+{key}</span>"
        )
        self.title.setWordWrap(True)
        self.title.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.text = _label(html.escape(_shorten(hit.text, CANDIDATE_CHARS)))
        self.text.setWordWrap(True)
        top = QHBoxLayout()
        top.setSpacing(6)
        top.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.title, 1, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.text)
        layout.addStretch(1)
        self.clicked.connect(lambda: self.chosen.emit(self.hit))

    def sizeHint(self):
        return self.layout().sizeHint()

    def minimumSizeHint(self):
        hint = self.layout().minimumSize()
        hint.setHeight(self.layout().heightForWidth(max(hint.width(), self.width())))
        return hint

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self.layout().heightForWidth(width)


class Toast(QLabel):
    """A short confirmation («Фраза скопирована») that shows at the card and fades after ~2 s."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("toast")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._effect = QGraphicsOpacityEffect(self)
        self._effect.setOpacity(1.0)
        self.setGraphicsEffect(self._effect)
        self._fade = QPropertyAnimation(self._effect, b"opacity", self)
        self._fade.setDuration(FADE_MS)
        self._fade.setStartValue(1.0)
        self._fade.setEndValue(0.0)
        self._fade.setEasingCurve(QEasingCurve.Type.InQuad)
        self._fade.finished.connect(self.hide)
        self._hold = QTimer(self)
        self._hold.setSingleShot(True)
        self._hold.timeout.connect(self._fade.start)
        self.hide()

    def flash(self, text: str) -> None:
        self._fade.stop()
        self._effect.setOpacity(1.0)
        self.setText(text)
        self.show()
        self._hold.start(TOAST_MS)

    def dismiss(self) -> None:
        self._hold.stop()
        self._fade.stop()
        self.hide()


def table_html(table: Table) -> str:
    """A small KB table (the MNP queues) as compact rich text for the card."""
    head = "".join(f"<th align='left' style='padding-right:14px'>{html.escape(c)}</th>" for c in table.header)
    rows = "".join(
        "<tr>" + "".join(f"<td style='padding-right:14px'>{html.escape(c)}</td>" for c in row) + "</tr>"
        for row in table.rows
    )
    return f"<table cellspacing='0' cellpadding='1'><tr>{head}</tr>{rows}</table>"


def _label(text: str) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.RichText)
    label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
    return label


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
