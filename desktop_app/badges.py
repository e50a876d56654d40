"""Colours of the line badges (СС / СВ · 1 шаг / СВ · 2 шага / MNP) shared by list and card."""

from __future__ import annotations

from PySide6.QtGui import QColor

_LINE_COLOURS = {
    "СС": "#1f6fb2",  # blue: senior specialists
    "СВ": "#b35c00",  # amber: supervisors
    "MNP": "#6a3fb0",  # violet: number portability
}
_STEP_COLOURS = {"1": "#c26a00", "2": "#8f4a00"}
_FALLBACK = "#4d5b6a"


def badge_colour(label: str) -> QColor:
    """Background colour for a badge label such as "СВ · 2 шага"."""
    line, _, rest = label.partition(" · ")
    if line == "СВ" and rest[:1] in _STEP_COLOURS:
        return QColor(_STEP_COLOURS[rest[:1]])
    return QColor(_LINE_COLOURS.get(line.strip(), _FALLBACK))


def badge_css(label: str) -> str:
    """Inline CSS for a QLabel badge."""
    return (
        f"background-color: {badge_colour(label).name()}; color: white; font-weight: 600;"
        " border-radius: 4px; padding: 2px 8px;"
    )
