"""Glossary tooltips for any QTextEdit: mark abbreviations, show their expansion on hover."""

from __future__ import annotations

import html
import re

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QHelpEvent
from PySide6.QtWidgets import QTextEdit, QToolTip

from kb.model import Glossary


def glossary_html(text: str, glossary: Glossary | None) -> str:
    """Escaped ``text`` with every glossary term wrapped in ``<span title="expansion">``."""
    terms = (
        sorted({e.term for e in glossary.entries if e.expansion}, key=len, reverse=True) if glossary else []
    )
    if not terms:
        return html.escape(text, quote=False)
    term_re = re.compile(r"(?<!\w)(" + "|".join(map(re.escape, terms)) + r")(?!\w)")
    out, pos = [], 0
    for m in term_re.finditer(text):
        entry = glossary.lookup(m.group(1)) if glossary else None
        if entry is None:
            continue
        title = html.escape(entry.expansion, quote=True)
        out += [html.escape(text[pos : m.start()], quote=False), f'<span title="{title}" ']
        out.append(f'style="text-decoration: underline dotted">{html.escape(m.group(1), quote=False)}</span>')
        pos = m.end()
    out.append(html.escape(text[pos:], quote=False))
    return "".join(out)


def tooltip_at(edit: QTextEdit, pos) -> str:
    """The tooltip (the glossary expansion) of the character under a viewport position."""
    cursor = edit.cursorForPosition(pos)
    tip = cursor.charFormat().toolTip()
    if not tip and not cursor.atBlockEnd():  # the format left of the cursor may be the neighbour's
        cursor.movePosition(cursor.MoveOperation.NextCharacter)
        tip = cursor.charFormat().toolTip()
    return tip


class GlossaryTooltips(QObject):
    """Event filter on a QTextEdit viewport that turns ``title`` attributes into tooltips."""

    def __init__(self, edit: QTextEdit) -> None:
        super().__init__(edit)
        self._edit = edit
        edit.viewport().installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.ToolTip or not isinstance(event, QHelpEvent):
            return False
        tip = tooltip_at(self._edit, event.pos())
        if tip:
            QToolTip.showText(event.globalPos(), tip, self._edit.viewport())
        else:
            QToolTip.hideText()
            event.ignore()
        return True
